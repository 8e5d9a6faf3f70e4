"""The files `monitor match` reads: a page (extracted first), a text file, or stdin.

A text file is decoded like a feed or a page (`monitor.sources.charset`): UTF-8
when it is valid UTF-8, else the Turkish Windows code page, with a note on
stderr. Anything that cannot be read is an InputError naming it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from monitor.errors import ExtractError, InputError
from monitor.sources.charset import decode_document
from monitor.sources.extract import extract_article

HTML_SUFFIXES = (".html", ".htm", ".xhtml")


def check_inputs(names: list[str]) -> None:
    """Refuse, before any work, an input that is a URL, missing, or a folder."""
    for name in names:
        if name == "-":
            continue
        if "://" in name:
            raise InputError(name, "is a URL; `monitor match` reads files (save the page first)")
        if not os.path.exists(name):
            raise InputError(name, "no such file")
        if os.path.isdir(name):
            raise InputError(name, "is a folder, not a file")


def read_input(name: str) -> tuple[str, str]:
    """(title, body) of one input: an HTML page is extracted first; text is all body."""
    if name == "-":
        return "", sys.stdin.read()
    data = _read_bytes(name)
    if name.lower().endswith(HTML_SUFFIXES):
        try:
            article = extract_article(data, url=Path(name).resolve().as_uri())
        except ExtractError:
            return "", ""
        return article.title, article.text
    try:
        return "", data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text, codec = decode_document(data)  # a BOM, else the Turkish Windows code page
    if "\x00" in text:
        raise InputError(name, "not a text file (it holds NUL bytes)")
    print(f"note: {name} is not UTF-8; read as {codec}", file=sys.stderr)
    return "", text


def _read_bytes(name: str) -> bytes:
    """A file's bytes with fewer system calls than `open()` makes: `match` may read thousands."""
    try:
        fd = os.open(name, os.O_RDONLY)
    except OSError as exc:
        raise InputError(name, f"cannot read it: {exc.strerror or exc}") from None
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(name, f"cannot read it: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
