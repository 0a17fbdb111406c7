import pytest

from remit.billing.errors import Invalid
from remit.graph import pagination
from remit.graph.pagination import paginate
from remit.models.organizations import Organization
from tests import factories


async def names(connection) -> list[str]:
    return [edge.node for edge in connection.edges]


async def make_organizations(count: int):
    tenant, _ = await factories.tenant()
    for number in range(count):
        await factories.organization(tenant, name=f"Org {number:02d}")
    return tenant


async def test_pages_follow_each_other_without_gaps_or_repeats():
    await make_organizations(5)
    seen, after = [], None
    while True:
        page = await paginate(Organization.all(), lambda row: row.name, first=2, after=after)
        assert await page.total_count() == 5
        seen += await names(page)
        if not page.page_info.has_next_page:
            break
        after = page.page_info.end_cursor
    assert seen == [f"Org {n:02d}" for n in range(5)]


async def test_newest_first():
    await make_organizations(3)

    page = await paginate(
        Organization.all(), lambda row: row.name, first=2, after=None, newest_first=True
    )

    assert await names(page) == ["Org 02", "Org 01"]
    assert page.page_info.has_next_page is True
    rest = await paginate(
        Organization.all(),
        lambda row: row.name,
        first=2,
        after=page.page_info.end_cursor,
        newest_first=True,
    )
    assert await names(rest) == ["Org 00"]
    assert rest.page_info.has_next_page is False


async def test_an_empty_list_has_no_cursor():
    page = await paginate(Organization.all(), lambda row: row.name, first=10, after=None)

    assert (
        page.edges,
        page.page_info.has_next_page,
        page.page_info.end_cursor,
        await page.total_count(),
    ) == ([], False, None, 0)


async def test_first_is_capped(monkeypatch):
    monkeypatch.setattr(pagination, "MAX_PAGE", 2)
    await make_organizations(3)

    page = await paginate(Organization.all(), lambda row: row.name, first=1000, after=None)

    assert len(page.edges) == 2
    assert page.page_info.has_next_page is True


async def test_a_negative_first_is_refused():
    with pytest.raises(Invalid) as caught:
        await paginate(Organization.all(), lambda row: row, first=-1, after=None)
    assert (caught.value.message, caught.value.field) == ("first must not be negative.", ["first"])


@pytest.mark.parametrize("cursor", ["garbage!", "e30", "WyJ4IiwgInkiXQ"])
async def test_a_cursor_not_given_out_is_refused(cursor):
    with pytest.raises(Invalid) as caught:
        await paginate(Organization.all(), lambda row: row, first=1, after=cursor)
    assert (caught.value.message, caught.value.field) == (
        "The cursor is not one this API gave out.",
        ["after"],
    )
