"""Keep the bot token out of logs, exception messages and printed output.

`install_redaction(token)` registers the token and makes every log record
redacted at creation (a log-record factory, so records of any logger reach any
handler already clean), and also adds a `RedactingFilter` to the root logger and
the httpx/httpcore/telegram loggers. `redact(text)` is what exception messages
go through.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import quote

REDACTED = "<redacted>"
# A Bot API token as it appears in URLs: "bot" + numeric bot id + ":" + secret.
_BOT_PATH = re.compile(r"bot\d+:[A-Za-z0-9_-]+")
# A bare token (no "bot" prefix), e.g. in a repr: long enough not to hit times like 12:30.
_BARE_TOKEN = re.compile(r"\b\d{6,}:[A-Za-z0-9_-]{30,}")
_LOGGERS = ("httpx", "httpcore", "telegram", "telegram.ext", "apscheduler")

_lock = threading.Lock()
_tokens: set[str] = set()
_factory_installed = False


def redact(text: str) -> str:
    """Return `text` with every known token and anything shaped like one replaced."""
    if not text:
        return text
    for token in sorted(_tokens, key=len, reverse=True):
        for form in {token, quote(token, safe=""), quote(token)}:
            if form in text:
                text = text.replace(form, REDACTED)
    text = _BOT_PATH.sub("bot" + REDACTED, text)
    return _BARE_TOKEN.sub(REDACTED, text)


def redact_record(record: logging.LogRecord) -> None:
    """Redact a record in place: its message, arguments, traceback and stack text."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to logging to report
        message = None
    if message is not None:
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class RedactingFilter(logging.Filter):
    """A logging filter that never drops a record, only cleans it."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def _install_factory() -> None:
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redact_record(record)
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


def install_redaction(token: str | None) -> None:
    """Register `token` (if any) and install the redaction everywhere; idempotent.

    Also sets the httpx logger to WARNING unless a level was set for it (it logs every
    request URL, token included, at INFO).
    """
    with _lock:
        if token:
            _tokens.add(token)
        _install_factory()
        for name in ("", *_LOGGERS):
            logger = logging.getLogger(name)
            if not any(isinstance(f, RedactingFilter) for f in logger.filters):
                logger.addFilter(RedactingFilter())
        for handler in logging.getLogger().handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
        httpx_logger = logging.getLogger("httpx")
        if httpx_logger.level == logging.NOTSET:
            httpx_logger.setLevel(logging.WARNING)
