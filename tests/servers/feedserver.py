"""A real HTTP server on 127.0.0.1 for tests: feeds, pages and faults.

    with FeedServer() as srv:
        srv.add("/feed.xml", b"<rss>...</rss>", content_type="application/rss+xml", etag=True)
        srv.add_template("/dev.xml", DEVDATA / "feeds/dev.xml")   # {BASE} -> srv.url
        srv.add_dir("/pages", DEVDATA / "pages")
        fetch(srv.url + "/feed.xml")
        assert srv.requests_for("/feed.xml")[-1].headers["if-none-match"] == ...

It runs a stdlib ThreadingHTTPServer in a daemon thread, so it works the same
from async tests (the event loop is never blocked) and from sync tests that
spawn the worker as a subprocess. Built-in fault routes:

    /fault/status/<code>     that status with a short body
    /fault/hang              no answer at all (not even headers) until the server stops
    /fault/stall             headers sent, then no body until the server stops
    /fault/trickle           one byte every 0.2 s (text/html, 1000 bytes)
    /fault/loop              a redirect loop (/fault/loop -> /fault/loop2 -> /fault/loop)
    /fault/redirect/<n>      a chain of n redirects ending at /fault/ok
    /fault/bomb              gzip bomb: 64 KB on the wire, 64 MB decompressed
    /fault/ok                200 "ok" (text/html)
Run `python -m tests.servers.feedserver DIR` to serve a folder by hand.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import mimetypes
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TYPES = {
    ".xml": "application/rss+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".html": "text/html",
    ".htm": "text/html",
    ".json": "application/json",
    ".pdf": "application/pdf",
}


@dataclass(frozen=True)
class Request:
    """One request as the server saw it; header names lower-cased."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Route:
    """What the server answers on one path."""

    body: bytes = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False
    stall: bool = False  # send headers, then hang until the server stops
    hang: bool = False  # send nothing at all until the server stops
    trickle: float = 0.0  # seconds between body bytes
    handler: Callable[[Request], Route] | None = None


@functools.cache
def _bomb(size: int = 64 * 1024 * 1024) -> bytes:
    """gzip of `size` zero bytes (about 64 KB for 64 MB)."""
    return gzip.compress(b"\0" * size, compresslevel=9)


def _guess_type(path: Path) -> str:
    return TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "text/plain"


class FeedServer:
    """Context manager running the server; `url` is the base, e.g. http://127.0.0.1:41234."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.requests: list[Request] = []
        self._httpd = ThreadingHTTPServer((host, port), _make_handler(self))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self._thread: threading.Thread | None = None
        self._add_faults()

    # lifecycle
    def start(self) -> FeedServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # routes
    def add(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        content_type: str | None = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
        status: int = 200,
        etag: str | bool | None = None,
        last_modified: str | float | None = None,
        gzip: bool = False,
        **extra: Any,
    ) -> str:
        """Serve `body` on `path`; returns the full URL. etag=True derives one from the body.

        With etag or last_modified set, conditional requests that match get a 304.
        """
        data = body.encode("utf-8") if isinstance(body, str) else body
        if etag is True:
            etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        if isinstance(last_modified, int | float):
            last_modified = formatdate(last_modified, usegmt=True)
        route = Route(
            body=data,
            status=status,
            content_type=content_type,
            headers=dict(headers or {}),
            etag=etag or None,
            last_modified=last_modified,
            gzip=gzip,
            **extra,
        )
        with self._lock:
            self._routes[path] = route
        return self.url + path

    def add_file(self, path: str, file: str | Path, **kwargs: Any) -> str:
        """Serve a file's bytes; content type guessed from its suffix unless given."""
        file = Path(file)
        kwargs.setdefault("content_type", _guess_type(file))
        return self.add(path, file.read_bytes(), **kwargs)

    def add_template(
        self, path: str, file: str | Path, replace: dict[str, str] | None = None, **kwargs: Any
    ) -> str:
        """Serve a file with placeholders replaced; by default {BASE} -> this server's URL."""
        file = Path(file)
        data = file.read_bytes()
        for old, new in (replace if replace is not None else {"{BASE}": self.url}).items():
            data = data.replace(old.encode("utf-8"), new.encode("utf-8"))
        kwargs.setdefault("content_type", _guess_type(file))
        return self.add(path, data, **kwargs)

    def add_dir(self, prefix: str, directory: str | Path, **kwargs: Any) -> list[str]:
        """Serve every file of a folder under prefix (e.g. /pages/d1.html)."""
        return [
            self.add_file(f"{prefix.rstrip('/')}/{f.name}", f, **kwargs)
            for f in sorted(Path(directory).iterdir())
            if f.is_file()
        ]

    def add_redirect(self, path: str, location: str, status: int = 302) -> str:
        """Redirect `path` to `location` (absolute or relative)."""
        return self.add(path, b"", status=status, content_type=None, headers={"Location": location})

    def add_handler(self, path: str, handler: Callable[[Request], Route]) -> str:
        """Answer `path` with whatever route the callable builds from the request."""
        with self._lock:
            self._routes[path] = Route(handler=handler)
        return self.url + path

    def remove(self, path: str) -> None:
        with self._lock:
            self._routes.pop(path, None)

    def requests_for(self, path: str) -> list[Request]:
        """Requests seen for one path (query string ignored)."""
        with self._lock:
            return [r for r in self.requests if r.path.split("?", 1)[0] == path]

    def _add_faults(self) -> None:
        self.add("/fault/ok", b"ok")
        self.add("/fault/hang", b"x" * 1000, hang=True)
        self.add("/fault/stall", b"x" * 1000, stall=True)
        self.add("/fault/trickle", b"x" * 1000, trickle=0.2)
        self.add_redirect("/fault/loop", "/fault/loop2")
        self.add_redirect("/fault/loop2", "/fault/loop")
        self.add_handler(
            "/fault/bomb", lambda _: Route(body=_bomb(), headers={"Content-Encoding": "gzip"})
        )

    def _route(self, path: str) -> Route | None:
        bare = path.split("?", 1)[0]
        with self._lock:
            route = self._routes.get(path) or self._routes.get(bare)
        if route is not None:
            return route
        if bare.startswith("/fault/status/") and bare.rsplit("/", 1)[1].isdigit():
            code = int(bare.rsplit("/", 1)[1])
            return Route(body=f"status {code}".encode(), status=code, content_type="text/plain")
        if bare.startswith("/fault/redirect/") and bare.rsplit("/", 1)[1].isdigit():
            n = int(bare.rsplit("/", 1)[1])
            target = f"/fault/redirect/{n - 1}" if n > 1 else "/fault/ok"
            return Route(status=302, content_type=None, headers={"Location": target})
        return None


def _not_modified(route: Route, headers: dict[str, str]) -> bool:
    """True when a conditional request matches the route's validators."""
    inm = headers.get("if-none-match")
    if route.etag and inm:
        return route.etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
    ims = headers.get("if-modified-since")
    if route.last_modified and ims:
        try:
            return parsedate_to_datetime(route.last_modified) <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


def _make_handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def _answer(self, send_body: bool) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = Request(self.command, self.path, headers)
            with server._lock:
                server.requests.append(request)
            route = server._route(self.path)
            if route is not None and route.handler is not None:
                route = route.handler(request)
            if route is None:
                route = Route(body=b"not found", status=404, content_type="text/plain")
            if route.hang:
                server._stop.wait(120)
                self.close_connection = True
                return
            if _not_modified(route, headers):
                self.send_response(304)
                self._validators(route)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = gzip.compress(route.body) if route.gzip else route.body
            self.send_response(route.status)
            if route.content_type:
                self.send_header("Content-Type", route.content_type)
            if route.gzip:
                self.send_header("Content-Encoding", "gzip")
            self._validators(route)
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not send_body:
                return
            try:
                self._write_body(route, body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _validators(self, route: Route) -> None:
            if route.etag:
                self.send_header("ETag", route.etag)
            if route.last_modified:
                self.send_header("Last-Modified", route.last_modified)

        def _write_body(self, route: Route, body: bytes) -> None:
            if route.stall:
                self.wfile.flush()
                server._stop.wait(120)
                self.close_connection = True
                return
            if route.trickle:
                for i in range(len(body)):
                    if server._stop.is_set():
                        break
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(route.trickle)
                self.close_connection = True
                return
            self.wfile.write(body)

    return Handler


if __name__ == "__main__":
    import sys

    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    srv = FeedServer(port=int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    for f in root.rglob("*"):
        if f.is_file():
            srv.add_template("/" + f.relative_to(root).as_posix(), f)
    print(f"serving {root} on {srv.url}", flush=True)
    with srv, contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()
