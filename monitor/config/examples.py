"""Examples files kept next to the watchlists -> labelled `Example`s (see `monitor check`).

An examples file (`NAME.examples.yaml`) lists texts and the entries each one
truly mentions; every other entry must not match it:

    examples:
      - text: "TUSAŞ'ın heyeti Erkenez OSB'de incelemede bulundu."
        expect: [tusas, erkenez-osb]
      - title: "Erkenez Barajı'nda bakım"   # optional headline
        text: "Baraj kapakları yenilendi."
        expect: []                         # must match nothing
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from monitor.config.values import Slug
from monitor.config.watchlists import EXAMPLES_SUFFIX
from monitor.config.yamlfile import line_of, read_yaml, validate
from monitor.errors import ConfigError
from monitor.matching.examples import Example


class _ExampleModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    title: str = ""
    expect: list[Slug]
    note: str = ""


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    examples: list[_ExampleModel]


def load_examples(path: Path, known_ids: Iterable[str] | None = None) -> list[Example]:
    """Load an examples file; ConfigError with file and line, also for unknown entry ids."""
    path = Path(path)
    data = read_yaml(path)
    if data is None:
        return []
    model = validate(_FileModel, data, path)
    known = set(known_ids) if known_ids is not None else None
    out = []
    for i, ex in enumerate(model.examples):
        line = line_of(data, ("examples", i)) or 0
        if not (ex.text.strip() or ex.title.strip()):
            raise ConfigError("example has no text", path=str(path), line=line)
        unknown = [x for x in ex.expect if known is not None and x not in known]
        if unknown:
            where = line_of(data, ("examples", i, "expect")) or line
            raise ConfigError(f"unknown entry id '{unknown[0]}' in expect",
                              path=str(path), line=where)
        out.append(Example(ex.text, frozenset(ex.expect), ex.title, str(path), line))
    return out


def find_example_files(path: Path) -> list[Path]:
    """Example files kept next to the watchlists at `path` (`NAME.examples.yaml`)."""
    path = Path(path)
    if path.is_dir():
        return sorted((*path.glob("*" + EXAMPLES_SUFFIX), *path.glob("*.examples.yml")))
    candidate = path.with_name(path.stem + EXAMPLES_SUFFIX)
    return [candidate] if candidate.exists() else []
