import io
import logging
import subprocess
import sys

import pytest

from remit.logs import CapLength

VALUE = "v" * 1_000_000


@pytest.fixture
def logged():
    """A logger whose lines, message and traceback, are written capped to a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(CapLength())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("remit.tests.logs")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)
    logger.propagate = True


def test_a_value_echoed_whole_is_cut_in_its_middle_saying_how_much(logged):
    logger, stream = logged

    try:
        raise ValueError(f"value too long for type character varying(255): ({VALUE})")
    except ValueError:
        logger.exception("refused %s", VALUE)

    message, *traceback = stream.getvalue().splitlines()
    # 8 + 1,000,000 characters, 4,000 kept at each end
    assert message == f"ERROR refused {'v' * 3992} …[992,008 characters cut]… {'v' * 4000}"
    assert traceback[0] == "Traceback (most recent call last):"
    assert "characters cut" in "\n".join(traceback)
    assert traceback[-1].endswith("v" * 3999 + ")")
    assert len("\n".join(traceback)) < 8_100


def test_ordinary_lines_are_left_as_they_are(logged):
    logger, stream = logged

    try:
        raise KeyError("invoice")
    except KeyError:
        logger.warning("request %s stopped", "req-1", exc_info=True)

    message, *traceback = stream.getvalue().splitlines()
    assert message == "WARNING request req-1 stopped"
    assert traceback[-1] == "KeyError: 'invoice'"
    assert "cut" not in stream.getvalue()


def test_the_commands_logging_caps_every_line():
    program = (
        "import logging; from remit import logs; logs.configure();"
        f" logging.getLogger('tortoise').error('echo %s', 'x' * {len(VALUE)})"
    )

    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)

    assert run.returncode == 0, run.stderr
    [line] = run.stderr.splitlines()
    assert line.endswith(
        f"ERROR tortoise echo {'x' * 3995} …[992,005 characters cut]… {'x' * 4000}"
    )
