"""A local test web of outlets and news-search engines, each on its own 127.0.0.1 port.

    with OutletWeb() as web:
        wp = web.outlet("Maraş Ekspres", "wordpress")
        wp.publish("maras-ekspres-1", "KM Havacılık ...", "body ...")
        web.google.index(wp, story)            # the story shows up in the Google-like search
        config lists wp.home and web.engines()

Outlet styles (how each publishes its news):
    wordpress   homepage advertises /feed/ with <link rel="alternate">
    robots      robots.txt names /sitemaps/news.xml (a Google News sitemap); no feed
    index       robots.txt names /sitemap_index.xml, an index of daily news sitemaps
    fragile     advertises /rss.xml and also serves /sitemap-news.xml; `break_feed()`
                makes the feed answer 500 while the sitemap goes on
    hidden      a WordPress feed at /feed/ that the homepage does not advertise
    sitemap     only /sitemap-news.xml at the usual path
    bare        a homepage with no feed and no sitemap

The search engines answer like Bing News RSS (apiclick.aspx links with url=) and
Google News RSS (opaque /rss/articles/ links, `<source url>`, "Title - Publisher"),
returning the indexed items whose title holds one of the query's quoted terms.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape as html_escape
from types import TracebackType
from urllib.parse import parse_qs, quote, urlsplit
from xml.sax.saxutils import escape

from tests.servers.feedserver import FeedServer, Request, Route

RSS_TYPE = "application/rss+xml; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"


@dataclass(frozen=True)
class Story:
    slug: str
    title: str
    body: str
    published: datetime
    url: str


def article_html(title: str, body: str, site: str, published: datetime) -> str:
    """A plausible article page: og:title with the site suffix, a lead, paragraphs."""
    paragraphs = "".join(f"<p>{html_escape(p)}</p>" for p in body.split("\n\n") if p.strip())
    return (
        "<!doctype html><html lang='tr'><head><meta charset='utf-8'>"
        f"<title>{html_escape(title)} - {html_escape(site)}</title>"
        f"<meta property='og:title' content='{html_escape(title, quote=True)}'>"
        f"<meta property='article:published_time' content='{published.isoformat()}'>"
        "</head><body><nav><a href='/'>Anasayfa</a> <a href='/ekonomi'>Ekonomi</a></nav>"
        f"<article><h1>{html_escape(title)}</h1>{paragraphs}</article>"
        "<footer>Tüm hakları saklıdır.</footer></body></html>"
    )


@dataclass
class Outlet:
    name: str
    style: str
    server: FeedServer
    stories: list[Story] = field(default_factory=list)
    feed_broken: bool = False

    @property
    def home(self) -> str:
        return self.server.url + "/"

    def publish(self, slug: str, title: str, body: str, *, hours_ago: float = 1.0) -> Story:
        published = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours_ago)
        path = f"/haber/{slug}"
        self.server.add(path, article_html(title, body, self.name, published))
        story = Story(slug, title, body, published, self.server.url + path)
        self.stories.insert(0, story)
        self._refresh()
        return story

    def break_feed(self) -> None:
        self.feed_broken = True
        self._refresh()

    def _refresh(self) -> None:
        """(Re)serve the homepage and whatever documents this outlet's style publishes."""
        s, style = self.server, self.style
        head = ""
        if style in ("wordpress", "fragile"):
            path = "/feed/" if style == "wordpress" else "/rss.xml"
            head = f"<link rel='alternate' type='application/rss+xml' href='{path}'>"
        links = "".join(f"<li><a href='{st.url}'>{html_escape(st.title)}</a></li>"
                        for st in self.stories)
        s.add("/", f"<!doctype html><html><head><title>{html_escape(self.name)}</title>{head}"
                   f"</head><body><h1>{html_escape(self.name)}</h1><ul>{links}</ul></body></html>")
        if style in ("wordpress", "hidden"):
            s.add("/feed/", self.rss(), content_type=RSS_TYPE)
        if style == "fragile":
            if self.feed_broken:
                s.add("/rss.xml", "<h1>500</h1>", status=500)
            else:
                s.add("/rss.xml", self.rss(), content_type=RSS_TYPE)
            s.add("/sitemap-news.xml", self.news_sitemap(), content_type=XML_TYPE)
        if style == "sitemap":
            s.add("/sitemap-news.xml", self.news_sitemap(), content_type=XML_TYPE)
        if style == "robots":
            s.add("/robots.txt", f"User-agent: *\nSitemap: {s.url}/sitemaps/news.xml\n",
                  content_type="text/plain")
            s.add("/sitemaps/news.xml", self.news_sitemap(), content_type=XML_TYPE)
        if style == "index":
            s.add("/robots.txt", f"User-agent: *\nSitemap: {s.url}/sitemap_index.xml\n",
                  content_type="text/plain")
            s.add("/sitemap_index.xml", self.sitemap_index(), content_type=XML_TYPE)
            s.add("/sitemaps/today.xml", self.news_sitemap(), content_type=XML_TYPE)
            s.add("/sitemaps/pages.xml", self.plain_sitemap(), content_type=XML_TYPE)

    def rss(self) -> str:
        items = "".join(
            f"<item><title>{escape(st.title)}</title><link>{escape(st.url)}</link>"
            f"<guid>{escape(st.url)}</guid><pubDate>{format_datetime(st.published)}</pubDate>"
            f"<description>{escape(st.body.split(chr(10))[0][:150])}</description></item>"
            for st in self.stories)
        return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>{escape(self.name)}</title><link>{self.home}</link>{items}"
                "</channel></rss>")

    def news_sitemap(self) -> str:
        urls = "".join(
            f"<url><loc>{escape(st.url)}</loc><news:news><news:publication>"
            f"<news:name>{escape(self.name)}</news:name><news:language>tr</news:language>"
            f"</news:publication><news:publication_date>{st.published.isoformat()}"
            f"</news:publication_date><news:title>{escape(st.title)}</news:title>"
            "</news:news></url>"
            for st in self.stories)
        return ('<?xml version="1.0" encoding="UTF-8"?>'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
                f"{urls}</urlset>")

    def plain_sitemap(self) -> str:
        return ('<?xml version="1.0" encoding="UTF-8"?>'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<url><loc>{self.server.url}/kunye</loc><lastmod>2020-01-01</lastmod></url>"
                "</urlset>")

    def sitemap_index(self) -> str:
        today = datetime.now(UTC).isoformat()
        return ('<?xml version="1.0" encoding="UTF-8"?>'
                '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{self.server.url}/sitemaps/pages.xml</loc>"
                "<lastmod>2020-01-01</lastmod></sitemap>"
                f"<sitemap><loc>{self.server.url}/sitemaps/today.xml</loc>"
                f"<lastmod>{today}</lastmod></sitemap></sitemapindex>")


@dataclass(frozen=True)
class _Hit:
    title: str
    link: str
    published: datetime
    publisher: str
    home: str


class SearchEngine:
    """A Bing-like or Google-like news-search RSS server."""

    def __init__(self, flavour: str):
        self.flavour = flavour
        self.server = FeedServer()
        self.hits: list[_Hit] = []
        self.path = "/news/search" if flavour == "bing" else "/rss/search"

    @property
    def template(self) -> str:
        extra = "format=rss&" if self.flavour == "bing" else ""
        return f"{self.server.url}{self.path}?{extra}q={{query}}"

    def index(self, outlet_name: str, home: str, story: Story) -> None:
        """Make `story` findable; the item link is wrapped the way this engine wraps it."""
        if self.flavour == "bing":
            link = (f"{self.server.url}/news/apiclick.aspx?ref=FexRss&aid=&tid=x"
                    f"&url={quote(story.url, safe='')}&c=1&mkt=tr-tr")
            title = story.title
        else:
            token = hashlib.sha256(story.url.encode()).hexdigest()[:24]
            link = f"{self.server.url}/rss/articles/CBMi{token}?oc=5"
            title = f"{story.title} - {outlet_name}"
        self.hits.append(_Hit(title, link, story.published, outlet_name, home))

    def _answer(self, request: Request) -> Route:
        query = parse_qs(urlsplit(request.path).query).get("q", [""])[0]
        terms = [t.casefold() for t in re.findall(r'"([^"]+)"', query)] or [query.casefold()]
        hits = [h for h in self.hits if any(t in h.title.casefold() for t in terms)]
        items = "".join(self._item(hit) for hit in hits)
        body = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>{escape(query)} - search</title><link>{self.server.url}/</link>"
                f"{items}</channel></rss>")
        return Route(body=body.encode(), content_type=RSS_TYPE)

    def _item(self, hit: _Hit) -> str:
        source = ""
        if self.flavour == "google":
            source = f'<source url="{escape(hit.home)}">{escape(hit.publisher)}</source>'
        return (f"<item><title>{escape(hit.title)}</title><link>{escape(hit.link)}</link>"
                f"<guid>{escape(hit.link)}</guid><pubDate>{format_datetime(hit.published)}"
                f"</pubDate><description>{escape(hit.title)}</description>{source}</item>")

    def start(self) -> None:
        self.server.start()
        self.server.add_handler(self.path, self._answer)

    def stop(self) -> None:
        self.server.stop()


class OutletWeb:
    """Outlets and the two search engines; `with OutletWeb() as web:` starts and stops them."""

    def __init__(self) -> None:
        self.outlets: list[Outlet] = []
        self.bing = SearchEngine("bing")
        self.google = SearchEngine("google")

    def outlet(self, name: str, style: str) -> Outlet:
        server = FeedServer()
        server.start()
        outlet = Outlet(name, style, server)
        outlet._refresh()
        self.outlets.append(outlet)
        return outlet

    def engines_yaml(self) -> str:
        return ("search:\n  engines:\n"
                f'    bing: "{self.bing.template}"\n    google: "{self.google.template}"\n')

    def __enter__(self) -> OutletWeb:
        self.bing.start()
        self.google.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for outlet in self.outlets:
            outlet.server.stop()
        self.bing.stop()
        self.google.stop()
