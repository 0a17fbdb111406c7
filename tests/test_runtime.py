import gc

from remit.runtime import YOUNG_OBJECTS_PER_COLLECTION


async def test_a_started_process_keeps_what_it_holds_out_of_the_collectors_walks(runtime):
    # `runtime` is this test process started as `remit serve` and `remit worker` start.
    assert gc.get_freeze_count() > 10_000
    assert gc.get_threshold()[0] == YOUNG_OBJECTS_PER_COLLECTION
