"""Structured logs: one event per line, `event key=value ...`, never a token.

Every line starts with its time in UTC, ISO 8601 with milliseconds and a Z
(`2026-11-28T11:05:00.123Z INFO feed_polled url=...`), whatever the machine's zone.
"""

from __future__ import annotations

import logging
import sys
import time


def setup_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(UTCFormatter("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    noisy_libraries = ("httpx", "httpcore", "telegram", "apscheduler", "alembic", "trafilatura")
    for noisy in (*noisy_libraries, "htmldate"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class UTCFormatter(logging.Formatter):
    """Times in UTC, `2026-11-28T11:05:00.123Z`: one stated zone for every worker and machine."""

    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"

    def converter(self, seconds: float | None) -> time.struct_time:
        return time.gmtime(seconds)


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields: object) -> None:
    """Log `name key=value ...`; values with spaces or quotes are quoted."""
    if logger.isEnabledFor(level):
        logger.log(level, "%s", " ".join([name, *(_pair(k, v) for k, v in fields.items())]))


def _pair(key: str, value: object) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\n", " ").replace("\r", " ")
    if not text or any(c in text for c in ' "=\t'):
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{key}={text}"
