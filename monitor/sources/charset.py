"""Which text encoding a feed or page really uses (pure).

Real Turkish feeds declare UTF-8 and send windows-1254, or send UTF-8 under a
windows-1254 header. `decode_document` picks the encoding that the bytes
actually support: a BOM wins, valid UTF-8 is UTF-8, then the labels, then
windows-1254; a Latin-1 label on Turkish text is corrected.
"""

from __future__ import annotations

import codecs
import re
from email.message import Message

FALLBACK_ENCODING = "windows-1254"
# Latin-1 family decodes of Turkish text show these in place of ğ ı ş Ğ İ Ş.
_TURKISH_MOJIBAKE = re.compile("[ðýþÐÝÞ]")
_LATIN1_FAMILY = {"latin-1", "iso8859-1", "cp1252", "ascii"}
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def http_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    if not content_type:
        return None
    msg = Message()
    msg["content-type"] = content_type
    charset = msg.get_param("charset")
    return charset.strip().strip("\"'") if isinstance(charset, str) and charset.strip() else None


def declared_charset(data: bytes) -> str | None:
    """The encoding named in an XML declaration or an HTML <meta charset>, if any."""
    head = data[:2048]
    found = _XML_DECL.search(head) or _META_CHARSET.search(head)
    return found.group(1).decode("ascii", "replace") if found else None


def _codec(name: str | None) -> str | None:
    """Python codec name for a charset label, None when unknown."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip()).name
    except LookupError:
        return None


def decode_document(
    data: bytes, *, http: str | None = None, declared: str | None = None
) -> tuple[str, str]:
    """Decode feed or page bytes; returns (text, codec used).

    A BOM wins; bytes that are valid UTF-8 are UTF-8 whatever the labels say;
    otherwise the HTTP charset, then the in-document one, then windows-1254.
    A latin-1/windows-1252 label on Turkish text is corrected to windows-1254.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace"), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared is None:
        declared = declared_charset(data)
    labels: tuple[str | None, ...] = (http, declared, FALLBACK_ENCODING)
    for label in labels:
        codec = _codec(label)
        if codec is None or codec.startswith("utf-"):
            continue
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec in _LATIN1_FAMILY and _TURKISH_MOJIBAKE.search(text):
            codec = "cp1254"
            text = data.decode(codec, errors="replace")
        return text, codec
    return data.decode(FALLBACK_ENCODING, errors="replace"), "cp1254"
