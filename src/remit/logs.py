"""Logging for the long-running commands: one format with the time, and lines of bounded
length, so a value echoed by an error (a database error quoting a 1 MB input) cannot flood
the log or fill its disk."""

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Far above any message or traceback of our own (a chained database traceback is ~6,000
# characters); a longer one has its middle cut, keeping the start and the end, where a
# traceback names its exception.
MAX_CHARS = 8_000


def capped(text: str, limit: int = MAX_CHARS) -> str:
    if len(text) <= limit:
        return text
    keep = limit // 2
    return f"{text[:keep]} …[{len(text) - 2 * keep:,} characters cut]… {text[-keep:]}"


class CapLength(logging.Filter):
    """Cuts a record's message and its traceback to MAX_CHARS each, for every handler
    after this one too: the record is changed in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: the handler reports it
            return True
        if len(message) > MAX_CHARS:
            record.msg, record.args = capped(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = capped(record.exc_text)
        return True


def configure() -> None:
    """INFO and above to stderr, every line capped (uvicorn's too: give it log_config=None)."""
    logging.basicConfig(level=logging.INFO, format=FORMAT)
    for handler in logging.getLogger().handlers:
        handler.addFilter(CapLength())
