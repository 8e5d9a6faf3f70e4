"""One exception tree for the whole service.

    MonitorError            anything the service raises on purpose
    ├── UsageError          something a person set up or typed is wrong: one line, exit 2
    │   ├── ConfigError     a config or watchlist file, or a variable, is invalid (names
    │   │                   the file and line, or the variable)
    │   ├── StoreError      the database cannot be opened or used (names the database and
    │   │                   where it was set)
    │   └── InputError      a file or folder given on the command line cannot be used
    ├── FetchError          an HTTP fetch failed (status, timeout, size cap, redirects, address)
    ├── FeedError           fetched bytes are not a usable feed
    ├── ExtractError        an article page yielded no text
    └── DeliveryError       Telegram refused or could not be reached

Expected, per-item errors (one feed, one page, one message) are logged as one
line and the run goes on. A UsageError stops a command with one line on stderr
(`monitor.cli` is the boundary); anything else is a bug and is raised, and the
boundary logs it with its traceback.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base of every error the service raises on purpose."""


class UsageError(MonitorError):
    """Something a person can fix: the message says what and where, in one line."""


class ConfigError(UsageError):
    """An invalid configuration or watchlist file; the message names file and line."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        self.path = path
        self.line = line
        self.plain = message
        where = path or ""
        if path and line:
            where = f"{path}:{line}"
        super().__init__(f"{where}: {message}" if where else message)


class StoreError(UsageError):
    """The database cannot be opened or used; `where` says where its URL was set."""

    def __init__(self, message: str, *, where: str | None = None):
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class InputError(UsageError):
    """A file, folder or URL given on the command line cannot be used; names it."""

    def __init__(self, name: str, problem: str):
        self.name = name
        super().__init__(f"{name}: {problem}")


class FetchError(MonitorError):
    """An HTTP fetch failed; `status` is the HTTP status when there was one.

    `retry_after_s` is how long the outlet asked us to wait (Retry-After on a 429 or
    503, or what is left of such a wait when the request was not even sent).
    """

    def __init__(
        self, message: str, *, status: int | None = None, retry_after_s: float | None = None
    ):
        self.status = status
        self.retry_after_s = retry_after_s
        super().__init__(message)


class FeedError(MonitorError):
    """The fetched document is not a feed, or nothing could be recovered from it."""


class PageNotFeed(FeedError):
    """The URL answered with an HTML page: for a source of no stated kind, a homepage."""


class ExtractError(MonitorError):
    """An article page could not be turned into text."""


class DeliveryError(MonitorError):
    """Telegram did not accept a message.

    `permanent` errors (chat not found, bot removed) will not heal by retrying
    soon; `retry_after` is Telegram's own wait in seconds, when it gave one.
    """

    def __init__(
        self, message: str, *, permanent: bool = False, retry_after: float | None = None
    ):
        self.permanent = permanent
        self.retry_after = retry_after
        super().__init__(message)
