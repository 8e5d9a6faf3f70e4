"""How fast is the matcher?  Prints articles/s for 4 and 1,000 entries and the naive ratio.

    .venv/bin/python -m benchmarks.bench_match            # in-process numbers
    .venv/bin/python -m benchmarks.bench_match --cli      # also time `monitor match --json`

The naive approach is rapidfuzz `fuzz.partial_ratio` of every name and alias
over each whole article, measured on a small sample.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rapidfuzz import fuzz

from monitor.match import Matcher
from monitor.watchlists import WatchlistEntry, Watchlists, load_watchlists

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "kahramanmaraş sanayi odası başkanı yeni yatırım için açıklama yaptı üretim ihracat şirket "
    "fabrika çalışan büyüme ekonomi bölge belediye meclis toplantı proje destek kredi enerji "
    "maliyet hedef yıl ay hafta gün ilk son büyük küçük önemli kentin ilçe vali bakan heyet "
    "ziyaret tören ödül sözleşme imza tedarik kalite eğitim öğrenci üniversite teknik mühendis "
    "havacılık savunma parça hat tesis kapasite yüzde milyon lira dolar euro pazar dış ticaret "
    "organize bölgesi fuar firma sektör temsilci konuştu belirtti dedi ifade etti ve ile de bu "
    "bir olarak olan daha çok en gibi kadar sonra önce şehir mahalle yol köprü baraj çay park "
    "vatandaş işçi işveren sendika maaş zam vergi teşvik altyapı doğalgaz elektrik su kesinti "
    "Mehmet Ahmet Ali Ayşe Fatma holding grup tekstil gıda inşaat makina"
).split()
FIRST = "Mehmet Ahmet Ali Hasan Hüseyin Mustafa İbrahim Osman Yusuf Murat Ayşe Fatma Emine Hatice Zeynep Elif Kemal Serkan Burak Emre".split()  # noqa: E501
LAST = "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç Aslan Çetin Kara Koç Kurt Özkan Şimşek Polat Korkmaz Karaca Güneş Akın Erdem Tekin Acar Bulut Uçar".split()  # noqa: E501
SECTOR = "Tekstil Gıda İnşaat Makina Enerji Lojistik Plastik Metal Otomotiv Kimya Mobilya Ambalaj Elektrik Madencilik Tarım".split()  # noqa: E501
FORM = "Holding|Sanayi ve Ticaret|Grubu|A.Ş.|Ltd. Şti.".split("|")


def synthetic_watchlist(n: int, rng: random.Random) -> Watchlists:
    """`n` plausible entries: people with a title alias, firms with long forms."""
    entries, seen = [], set()
    while len(entries) < n:
        if rng.random() < 0.4:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}{rng.choice(['', 'oğlu', 'gil'])}"
            aliases = (f"Başkan {name.split()[-1]}",)
        else:
            stem = rng.choice(LAST) + rng.choice(["", "lar", "soy", "taş", "han"])
            name = f"{stem} {rng.choice(SECTOR)}"
            aliases = (f"{name} {rng.choice(FORM)}", stem.upper() + "SAN")
        if name in seen:
            continue
        seen.add(name)
        entries.append(WatchlistEntry(f"e{len(entries)}", name, aliases, None))
    return Watchlists(tuple(entries), ())


def article(rng: random.Random, names: list[str], words: int = 600) -> str:
    out = [rng.choice(WORDS) for _ in range(words)]
    for i in range(0, words, 15):
        out[i] += "."
        out[i] = out[i] + "\n\n" if i % 90 == 0 else out[i]
    if names and rng.random() < 0.2:
        out[rng.randrange(words)] = rng.choice(names) + "'nın"
    return " ".join(out)


def rate(matcher: Matcher, articles: list[str]) -> float:
    start = time.perf_counter()
    for text in articles:
        matcher.find_matches(text[:80], text)
    return len(articles) / (time.perf_counter() - start)


def naive_rate(watchlists: Watchlists, articles: list[str]) -> float:
    terms = [t for e in watchlists.entries for t in (e.name, *e.aliases)]
    start = time.perf_counter()
    for text in articles:
        lowered = text.lower()
        for term in terms:
            fuzz.partial_ratio(term.lower(), lowered, score_cutoff=90)
    return len(articles) / (time.perf_counter() - start)


def bench_cli(articles: list[str], config: str | None) -> None:
    exe = ROOT / ".venv" / "bin" / "monitor"
    if not exe.exists() and shutil.which("monitor") is None:
        print("cli: skipped (no .venv/bin/monitor yet)")
        return
    exe_path = str(exe) if exe.exists() else "monitor"
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i in range(8500):
            path = Path(tmp) / f"a{i:05d}.txt"
            path.write_text(articles[i % len(articles)], encoding="utf-8")
            files.append(str(path))
        extra = ["--config", config] if config else []
        timings = {}
        for n in (500, 8500):
            start = time.perf_counter()
            done = subprocess.run([exe_path, "match", "--json", *extra, *files[:n]],
                                  capture_output=True, cwd=ROOT, check=False)
            timings[n] = time.perf_counter() - start
            if done.returncode != 0:
                err = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
                print(f"cli: skipped (`monitor match` exited {done.returncode}: {err})")
                return
        per = (timings[8500] - timings[500]) / 8000
        print(f"cli: 500 files {timings[500]:.2f}s, 8500 files {timings[8500]:.2f}s, "
              f"marginal {1 / per:,.0f} articles/s" if per > 0 else "cli: too fast to tell")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--cli", action="store_true", help="also time `monitor match --json`")
    parser.add_argument("--config", help="config for the CLI run")
    args = parser.parse_args()
    rng = random.Random(42)
    big = synthetic_watchlist(1000, rng)
    small = load_watchlists(ROOT / "watchlists")
    names = [e.name for e in big.entries[:50]] + [e.name for e in small.entries]
    articles = [article(rng, names) for _ in range(args.articles)]
    start = time.perf_counter()
    big_matcher = Matcher(big)
    build = time.perf_counter() - start
    small_matcher = Matcher(small)
    rate(small_matcher, articles[:200])  # warm up
    r4, r1000 = rate(small_matcher, articles), rate(big_matcher, articles)
    naive = naive_rate(big, articles[:3])
    print(f"article: ~{len(articles[0].split())} words, {len(articles[0])} chars")
    print(f"index build, 1,000 entries: {build * 1000:.0f} ms")
    print(f"4 entries:      {r4:,.0f} articles/s")
    print(f"1,000 entries:  {r1000:,.0f} articles/s  (cost x{r4 / r1000:.2f} of 4 entries)")
    print(f"naive partial_ratio, 1,000 entries: {naive:,.2f} articles/s "
          f"-> indexed is {r1000 / naive:,.0f}x faster")
    if args.cli:
        bench_cli(articles, args.config)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
