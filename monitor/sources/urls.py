"""URL helpers: canonical form of article links, origins, schemes (pure)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that only track where a click came from; dropped from canonical URLs.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "yclid",
        "msclkid",
        "twclid",
        "ttclid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "igshid",
        "igsh",
        "ref",
        "ref_src",
        "ref_url",
        "spm",
        "cmpid",
        "ocid",
        "wt.mc_id",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "si",
        "ito",
        "ns_source",
        "ns_mchannel",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "_hs")


def is_tracking_param(name: str) -> bool:
    """True for query parameters that only carry click tracking."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """Normalise a link so the same article from several feeds compares equal.

    Lower-cases scheme and host, drops the default port, the fragment and
    tracking parameters, sorts the remaining query, and drops the trailing
    "/" of a bare root path. Unparseable input is returned stripped.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    path = parts.path
    if path == "/":
        path = ""
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query_items = [(k, v) for k, v in pairs if not is_tracking_param(k)]
    query = urlencode(sorted(query_items), doseq=False)
    return urlunsplit((scheme, netloc, path, query, ""))


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the default port filled in; host lower-cased."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ("", "", None)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".").lower()
    return (scheme, host, port if port is not None else DEFAULT_PORTS.get(scheme))


def same_origin(a: str, b: str) -> bool:
    """True when both URLs share scheme, host and port."""
    oa = origin(a)
    return bool(oa[1]) and oa == origin(b)


def is_http_url(url: str) -> bool:
    """True for absolute http(s) URLs with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in DEFAULT_PORTS and bool(parts.hostname)


def resolve_link(link: str | None, base: str) -> str | None:
    """Resolve a feed link against the feed URL; None unless the result is http(s)."""
    if not link or not link.strip():
        return None
    try:
        absolute = urljoin(base, link.strip())
    except ValueError:
        return None
    return absolute if is_http_url(absolute) else None
