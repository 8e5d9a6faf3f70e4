"""Watchlist YAML files -> validated `Watchlists`; a reloader that keeps the last good version.

The values themselves (`WatchlistEntry`, `Watchlists`) live in `monitor.matching.watchlist`:
matching needs them, and matching reads no files.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from monitor.config.values import ChatId, Slug
from monitor.config.yamlfile import line_of, read_yaml, validate
from monitor.errors import ConfigError
from monitor.matching.text import scan_key
from monitor.matching.watchlist import WatchlistEntry, Watchlists

EXAMPLES_SUFFIX = ".examples.yaml"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class EntryModel(BaseModel):
    """One entry as written in YAML (see watchlists/kmtso.yaml for the documentation)."""

    model_config = ConfigDict(extra="forbid")

    id: Slug
    name: Text
    aliases: list[Text] = []
    misspellings: list[Text] = []
    exclude: list[Text] = []
    not_within: list[Text] = []
    needs_context: list[Text] = []
    context: list[Text] = []
    capitalised: list[Text] = []
    fuzzy: bool = True
    threshold: Annotated[int, Field(ge=50, le=100)] | None = None
    chat: ChatId | None = None

    @model_validator(mode="after")
    def _context_given(self) -> EntryModel:
        if self.needs_context and not self.context:
            raise ValueError("needs_context is set but context lists no phrase")
        return self


class FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[EntryModel]


def watchlist_files(path: Path) -> list[Path]:
    """The watchlist files under `path` (a folder of *.yaml or one file), examples skipped."""
    if path.is_dir():
        found = sorted(
            p for p in (*path.glob("*.yaml"), *path.glob("*.yml"))
            if not p.name.endswith((EXAMPLES_SUFFIX, ".examples.yml"))
        )
        if not found:
            raise ConfigError("no watchlist files (*.yaml) in this folder", path=str(path))
        return found
    if not path.exists():
        raise ConfigError("file not found", path=str(path))
    return [path]


def load_file(path: Path) -> list[WatchlistEntry]:
    """Load and validate one watchlist file."""
    data = read_yaml(path)
    if data is None:
        raise ConfigError("empty watchlist file (expected 'entries:')", path=str(path))
    model = validate(FileModel, data, path)
    entries = []
    for i, e in enumerate(model.entries):
        line = line_of(data, ("entries", i)) or 0
        _check_phrases(e, data, i, path)
        entries.append(
            WatchlistEntry(
                id=e.id, name=e.name, aliases=tuple(e.aliases), chat=e.chat,
                misspellings=tuple(e.misspellings), exclude=tuple(e.exclude),
                not_within=tuple(e.not_within),
                needs_context=tuple(e.needs_context), context=tuple(e.context),
                capitalised=tuple(e.capitalised), fuzzy=e.fuzzy, threshold=e.threshold,
                path=str(path), line=line,
            )
        )
    return entries


def _check_phrases(e: EntryModel, data: Any, i: int, path: Path) -> None:
    """`not_within` phrases contain a name of the entry without being one; `capitalised`
    phrases have a capital and occur in a name: else they could never apply."""
    names = [scan_key(t) for t in (e.name, *e.aliases, *e.misspellings, *e.needs_context)]

    def fail(key: str, k: int, message: str) -> ConfigError:
        return ConfigError(message, path=str(path), line=line_of(data, ("entries", i, key, k)))

    for k, phrase in enumerate(e.not_within):
        key = scan_key(phrase)
        if key in names:
            raise fail("not_within", k, f"not_within '{phrase}' is also a name of this entry: "
                       "remove it from the names or from not_within")
        if not any(_contains(key, name) for name in names):
            raise fail("not_within", k, f"not_within '{phrase}' contains none of this "
                       "entry's names, so it never applies (use exclude for a phrase that "
                       "only comes near a name)")
    for k, phrase in enumerate(e.capitalised):
        if not any(ch.isupper() for ch in phrase):
            raise fail("capitalised", k, f"capitalised '{phrase}' has no capital letter: "
                       "write it with the capitals the text must have")
        if not any(_contains(name, scan_key(phrase)) for name in names):
            raise fail("capitalised", k, f"capitalised '{phrase}' is in none of this "
                       "entry's names (name, aliases, misspellings, needs_context)")


def _contains(outer: str, inner: str) -> bool:
    """Scan form `outer` holds `inner` word for word."""
    return f" {inner} " in f" {outer} "


def load_watchlists(path: Path) -> Watchlists:
    """Load every watchlist under `path`; ConfigError (file and line) on any problem."""
    files = watchlist_files(Path(path))
    entries: list[WatchlistEntry] = []
    seen: dict[str, WatchlistEntry] = {}
    for file in files:
        for entry in load_file(file):
            if entry.id in seen:
                first = seen[entry.id]
                raise ConfigError(
                    f"duplicate id '{entry.id}' (first defined at {first.path}:{first.line})",
                    path=entry.path, line=entry.line,
                )
            if not "".join(ch for ch in entry.name if ch.isalnum()):
                raise ConfigError("name has no letters or digits", path=entry.path, line=entry.line)
            seen[entry.id] = entry
            entries.append(entry)
    return Watchlists(entries=tuple(entries), files=tuple(str(f) for f in files))


def _fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        files = watchlist_files(path)
    except ConfigError as exc:
        return f"error:{exc}"
    for file in files:
        digest.update(str(file).encode())
        try:
            digest.update(file.read_bytes())
        except OSError as exc:
            digest.update(repr(exc).encode())
    return digest.hexdigest()


class WatchlistReloader:
    """Keeps the last good watchlists; `reload_if_changed` picks up edits on disk."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._fingerprint = _fingerprint(self.path)
        self._current = load_watchlists(self.path)
        self._reported: str | None = None

    @property
    def current(self) -> Watchlists:
        return self._current

    def reload_if_changed(self) -> ConfigError | None:
        """Reload when the files changed; return the error once per distinct bad content."""
        fingerprint = _fingerprint(self.path)
        if fingerprint == self._fingerprint:
            return None
        try:
            loaded = load_watchlists(self.path)
        except ConfigError as exc:
            if fingerprint == self._reported:
                return None
            self._reported = fingerprint
            return exc
        self._current, self._fingerprint, self._reported = loaded, fingerprint, None
        return None
