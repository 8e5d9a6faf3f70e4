"""What a watchlist says, as values: entries and the rules that decide what counts (pure).

`monitor.config.watchlists` reads them from the YAML files admins edit.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WatchlistEntry:
    """One thing to watch for, with the rules that decide what counts as a mention."""

    id: str
    name: str
    aliases: tuple[str, ...]
    chat: str | None
    misspellings: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    not_within: tuple[str, ...] = ()  # longer names of other organisations
    needs_context: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    capitalised: tuple[str, ...] = ()
    fuzzy: bool = True
    threshold: int | None = None
    path: str = ""
    line: int = 0

    @property
    def terms(self) -> tuple[str, ...]:
        """Name, aliases and misspellings, each once, in that order."""
        return tuple(dict.fromkeys((self.name, *self.aliases, *self.misspellings)))


@dataclass(frozen=True)
class Watchlists:
    entries: tuple[WatchlistEntry, ...]
    files: tuple[str, ...]
