"""`monitor extract [--json] FILE|URL` as a person runs it, on saved pages and a local server."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import run_cli, write_config
from tests.paths import DATA
from tests.servers.feedserver import FeedServer

REALWEB = DATA / "realweb" / "pages"
NTV = REALWEB / "fundus_ntv_2024_04_29.html"
NTV_LEAD = ("Ardahan Valiliği, kentte eğitim gören 25 lise öğrencisinin gıda zehirlenmesi "
            "şüphesiyle hastaneye başvurduğunu bildirdi.")
HEADLINE = "Ardahan'da gıda zehirlenmesi: 25 lise öğrencisi hastaneye başvurdu"


def test_text_output_of_a_saved_page():
    result = run_cli(["extract", str(NTV)])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        f"headline:  {HEADLINE}",
        "published: 2024-04-29T15:02:07+00:00",
        "author:    -",
        f"lead:      {NTV_LEAD}",
    ]
    assert lines[4] == ""
    assert lines[5].startswith("Ardahan Valiliğinden yapılan açıklamada")
    assert "Etiketler" not in result.stdout and NTV_LEAD not in "\n".join(lines[5:])


def test_json_output():
    result = run_cli(["extract", "--json", str(REALWEB / "fundus_haberturk_2024_04_28.html")])
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"title", "published", "author", "lead", "text"}
    assert data["title"] == "Turizm Bakanlığı'ndan 'milliyet farkı' açıklaması"
    assert data["published"] == "2024-04-28T11:07:07+00:00"
    assert data["lead"].startswith("Antalya'da bir otelde bir Türk vatandaşından")
    assert data["text"].startswith("Kültür ve Turizm Bakanlığı Antalya'da")  # without the lead
    assert data["lead"] not in data["text"]


def test_json_published_is_null_without_a_date():
    result = run_cli(["extract", "--json", str(DATA / "pages" / "short_ok.html")])
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["published"] is None and data["author"] is None and data["lead"] == ""


def test_url_on_this_machine_is_its_own_origin(tmp_path):
    """A loopback URL is read with the default allow_private_networks: false."""
    with FeedServer() as server:
        url = server.add_file("/haber/ntv.html", NTV)
        config = write_config(tmp_path, [server.url + "/rss"])
        result = run_cli(["--config", str(config), "extract", "--json", url])
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["lead"] == NTV_LEAD
        assert len(server.requests_for("/haber/ntv.html")) == 1


@pytest.mark.parametrize(("allow", "status"), [("false", 2), ("true", 0)])
def test_redirect_to_another_private_origin_follows_the_config(tmp_path, allow, status):
    with FeedServer() as origin, FeedServer() as other:
        target = other.add_file("/ntv.html", NTV)
        url = origin.add_redirect("/kisa", target.replace("127.0.0.1", "localhost"))
        config = write_config(tmp_path, [origin.url + "/rss"], allow_private_networks=allow)
        result = run_cli(["--config", str(config), "extract", url])
    assert result.returncode == status, result.stderr
    if status == 2:
        assert result.stderr.startswith(f"error: {url}: cannot fetch it: blocked non-public")
        assert len(result.stderr.strip().splitlines()) == 1
    else:
        assert f"headline:  {HEADLINE}" in result.stdout


@pytest.mark.parametrize(
    ("path", "kwargs", "problem"),
    [
        ("/yok", {"status": 404}, "HTTP 404"),
        ("/feed.xml", {"content_type": "application/rss+xml"}, "cannot fetch it"),
    ],
)
def test_url_that_cannot_be_fetched_is_a_usage_error(tmp_path, path, kwargs, problem):
    with FeedServer() as server:
        url = server.add(path, b"<rss/>", **kwargs)
        config = write_config(tmp_path, [server.url + "/rss"])
        result = run_cli(["--config", str(config), "extract", url])
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {url}: cannot fetch it") and problem in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_page_with_nothing_to_extract_exits_1():
    page = DATA / "pages" / "short.html"
    result = run_cli(["extract", str(page)])
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: nothing could be extracted from {page}: article text too short (36 chars)"
    )
    assert result.stdout == ""


def test_empty_file_exits_1(tmp_path):
    empty = tmp_path / "bos.html"
    empty.write_bytes(b"")
    result = run_cli(["extract", "--json", str(empty)])
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: nothing could be extracted from {empty}: empty page"


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("missing.html", "no such file"),
        ("tests/data", "is a folder, not a file"),
        ("ftp://example.org/haber.html", "not an http(s) URL"),
    ],
)
def test_inputs_that_cannot_be_read(source, problem):
    result = run_cli(["extract", source])
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {source}: {problem}"
