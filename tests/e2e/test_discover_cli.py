"""`monitor discover URL...` as an operator runs it, against outlets served on 127.0.0.1."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.conftest import recent, rss, run_cli, write_config
from tests.servers.feedserver import FeedServer

HOME = "<!doctype html><html><head><title>Haber</title>{head}</head><body>{body}</body></html>"
XML = "application/xml; charset=utf-8"


def news_sitemap(base: str, count: int) -> str:
    items = "".join(
        f"<url><loc>{base}/haber/{n}</loc><news:news><news:publication><news:name>Elbistan Haber"
        "</news:name><news:language>tr</news:language></news:publication><news:publication_date>"
        f"{(recent(2) - timedelta(hours=n)).isoformat()}</news:publication_date>"
        f"<news:title>Haber {n}</news:title></news:news></url>"
        for n in range(count)
    )
    return ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{items}</urlset>')


def wordpress_site(srv: FeedServer) -> str:
    srv.add("/", HOME.format(head='<link rel="alternate" type="application/rss+xml" '
                                  'href="/feed/">', body=""))
    items = [(f"Haber {n}", f"{srv.url}/haber/{n}", recent(n + 1)) for n in range(3)]
    srv.add("/feed/", rss(items, title="Maraş Haber: Son Dakika"),
            content_type="application/rss+xml")
    return srv.url + "/"


def robots_site(srv: FeedServer) -> str:
    srv.add("/", HOME.format(head="", body="<p>haberler</p>"))
    srv.add("/robots.txt", "User-agent: *\nSitemap: /haber-sitemap.xml\n",
            content_type="text/plain")
    srv.add("/haber-sitemap.xml", news_sitemap(srv.url, 4), content_type=XML)
    return srv.url + "/"


def snippet_of(stdout: str) -> str:
    lines = stdout.splitlines()
    start = lines.index("# paste under feeds:") + 1
    return "\n".join(line for line in lines[start:] if not line.startswith("#")) + "\n"


def test_discover_prints_candidates_and_a_snippet_that_passes_check(tmp_path) -> None:
    with FeedServer() as one, FeedServer() as two:
        wordpress, robots = wordpress_site(one), robots_site(two)
        config = write_config(tmp_path, ["https://a.example/rss"])
        result = run_cli(["--config", str(config), "discover", wordpress, robots])
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert f"feed     {one.url}/feed/  3 items, 3 recent, newest " in out
    assert f"sitemap  {two.url}/haber-sitemap.xml  4 items, 4 recent, newest " in out
    assert out.count("<- used") == 2
    assert f"  - url: {wordpress}\n    kind: site\n    name: \"Maraş Haber: Son Dakika\"  # uses " \
           f"{one.url}/feed/ (feed, 3 recent)" in out
    assert (f"    name: Elbistan Haber  # uses {two.url}/haber-sitemap.xml (sitemap, 4 recent)"
            in out)
    pasted = tmp_path / "pasted.yaml"
    config_text = f"database: {tmp_path / 'm.db'}\nfeeds:\n{snippet_of(out)}"
    pasted.write_text(config_text, encoding="utf-8")
    check = run_cli(["--config", str(pasted), "check"])
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"{pasted}: OK" in check.stdout


def test_a_feed_url_given_is_pasted_as_a_feed(tmp_path) -> None:
    with FeedServer() as srv:
        wordpress_site(srv)
        result = run_cli(["--config", str(write_config(tmp_path, ["https://a.example/rss"])),
                          "discover", f"{srv.url}/feed/"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"  - url: {srv.url}/feed/\n    kind: feed\n" in result.stdout


def test_exit_1_when_a_site_has_nothing(tmp_path) -> None:
    with FeedServer() as good, FeedServer() as empty:
        wordpress = wordpress_site(good)
        empty.add("/", HOME.format(head="", body='<a href="/haber/1">haber</a>'))
        config = write_config(tmp_path, ["https://a.example/rss"])
        result = run_cli(["--config", str(config), "discover", wordpress, empty.url])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "common paths tried: nothing there" in result.stdout
    assert f"# nothing usable at {empty.url}: no usable feed or sitemap found" in result.stdout
    assert f"  - url: {wordpress}\n" in result.stdout  # the good one still gets its snippet
    assert "Traceback" not in result.stderr


def test_exit_1_when_the_homepage_is_down_and_2_for_no_url(tmp_path) -> None:
    config = write_config(tmp_path, ["https://a.example/rss"])
    with FeedServer() as srv:
        down = run_cli(["--config", str(config), "discover", f"{srv.url}/fault/status/500"])
    assert down.returncode == 1
    assert f"error: cannot fetch {srv.url}/fault/status/500: HTTP 500" in down.stdout
    bad = run_cli(["--config", str(config), "discover", "ftp://outlet.example/"])
    assert bad.returncode == 2
    assert bad.stderr.strip() == ("error: ftp://outlet.example/: not an http(s) URL "
                                  "(give an outlet's homepage, feed or sitemap)")
