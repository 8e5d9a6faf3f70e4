"""The token never reaches a log line or an exception message."""

from __future__ import annotations

import logging

import pytest

from monitor.ops.redact import RedactingFilter, install_redaction, redact

TOKEN = "7012345678:AAHk-secret_Value0123456789abcdefghij"


@pytest.fixture(autouse=True)
def _installed() -> None:
    install_redaction(TOKEN)


@pytest.mark.parametrize(("text", "expected"), [
    (f"POST https://api.telegram.org/bot{TOKEN}/sendMessage",
     "POST https://api.telegram.org/bot<redacted>/sendMessage"),
    (f"token `{TOKEN}` rejected", "token `<redacted>` rejected"),
    ("https://h/bot7012345678%3AAAHk-secret_Value0123456789abcdefghij/getMe",
     "https://h/bot<redacted>/getMe"),
    ("http://127.0.0.1:8081/bot123:ABC/getMe", "http://127.0.0.1:8081/bot<redacted>/getMe"),
    ("other 999999:" + "Z" * 35 + " end", "other <redacted> end"),
    ("saat 14:05, bot 12:30", "saat 14:05, bot 12:30"),
    ("", ""),
])
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_log_args_and_messages_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("httpx").warning("HTTP Request: POST %s %r", f"https://x/bot{TOKEN}/m", 1)
    logging.getLogger("monitor.any").info(f"inline {TOKEN}")
    logging.getLogger("telegram.ext.ExtBot").debug("url %s", f"https://x/bot{TOKEN}")
    assert TOKEN not in caplog.text
    assert "bot<redacted>/m" in caplog.text
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


def test_tracebacks_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    try:
        raise RuntimeError(f"failed https://x/bot{TOKEN}/getMe")
    except RuntimeError:
        logging.getLogger("some.lib").exception("boom")
    assert "boom" in caplog.text and "RuntimeError" in caplog.text
    assert TOKEN not in caplog.text


def test_filter_on_handler_cleans_late_records() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "t=%s", (TOKEN,), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "t=<redacted>"


def test_httpx_quiet_by_default() -> None:
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING


def test_idempotent() -> None:
    install_redaction(TOKEN)
    install_redaction(None)
    root = logging.getLogger()
    assert sum(isinstance(f, RedactingFilter) for f in root.filters) == 1
