"""Response bodies within a hard size cap, decompressed size included (gzip bombs)."""

from __future__ import annotations

import zlib

from monitor.errors import FetchError


class CappedDecoder:
    """Decodes gzip/deflate incrementally, never producing more than `cap` bytes."""

    def __init__(self, encoding: str, cap: int):
        self.cap = cap
        self.size = 0
        self.encoding = encoding
        if encoding in ("gzip", "x-gzip"):
            self._z: zlib._Decompress | None = zlib.decompressobj(zlib.MAX_WBITS | 32)
        elif encoding == "deflate":
            self._z = zlib.decompressobj()
        elif encoding in ("", "identity"):
            self._z = None
        else:
            raise FetchError(f"unsupported content encoding: {encoding}")
        self._first = True

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.cap:
            raise FetchError(f"body over {self.cap} bytes")
        return data

    def feed(self, chunk: bytes) -> bytes:
        """Decode one raw chunk; raises FetchError past the cap."""
        if self._z is None:
            return self._count(chunk)
        try:
            return self._inflate(chunk)
        except zlib.error:
            if self.encoding == "deflate" and self._first:  # raw deflate without zlib header
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                self._first = False
                return self._inflate(chunk)
            raise FetchError("corrupt compressed body") from None

    def _inflate(self, chunk: bytes) -> bytes:
        assert self._z is not None
        out = []
        data = chunk
        while data:
            room = self.cap - self.size + 1
            part = self._z.decompress(data, room)
            out.append(self._count(part))
            data = self._z.unconsumed_tail
            if self._z.eof:
                break
        self._first = False
        return b"".join(out)
