"""How fast is the matcher?  One command, prints each speed bar with measured vs goal.

    .venv/bin/python -m benchmarks.bench_match            # in-process numbers + CLI bars
    .venv/bin/python -m benchmarks.bench_match --no-cli   # in-process numbers only

Workload: ~600-word Turkish news articles built from sentence templates (people
named with common first names and surnames, firms named "surname + sector word",
sector words and place names in running prose), so the anchor words of fuzzy
terms hit often.  A third of the articles mention 1-3 watchlist entries: as
written, with a Turkish suffix (apostrophe or glued), or with a one-letter typo.
The 1,000-entry watchlist is generated like a real one: people (first + last
name, "title + surname" aliases, a capitalised rule for surnames that are also
common words), firms with long legal forms and brand acronyms, places and
institutions with long forms.

Bars (from the issue; the official ones are measured on `monitor match --json`
as the time over 8,500 files minus the time over 500, so start-up cancels; each
time is the best of --repeats runs, both watchlists interleaved round by round):
  - at least 5,000 articles/s with 1,000 entries, one core;
  - at least 100x the naive approach (rapidfuzz partial_ratio of every name and
    alias over each article, measured in the same run);
  - 1,000 entries costing at most twice what the 4 shipped entries cost.
The same bars are also shown for the in-process matcher (no file reading, no JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rapidfuzz import fuzz

from monitor.config.watchlists import load_watchlists
from monitor.matching.matcher import Matcher
from monitor.matching.text import turkish_lower
from monitor.matching.watchlist import WatchlistEntry, Watchlists

ROOT = Path(__file__).resolve().parent.parent
GOAL_RATE, GOAL_NAIVE_X, GOAL_COST_X = 5000.0, 100.0, 2.0

FIRST = (
    "Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim İsmail Osman Yusuf Murat Ömer Ramazan "
    "Halil Süleyman Abdullah Mahmut Recep Salih Fatih Kemal Hakan Emre Burak Serkan Volkan "
    "Kadir Orhan Erkan Cengiz Yaşar Metin Levent Selim Tuncay Zeynep Ayşe Fatma Emine Hatice "
    "Elif Merve Esra Özlem Gül Sevgi Derya Hülya Aysel Sibel"
).split()
LAST = (
    "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç "
    "Aslan Çetin Kara Koç Kurt Özkan Şimşek Polat Korkmaz Karaca Güneş Akın Erdem Tekin Acar "
    "Bulut Uçar Aksoy Keskin Ünal Güler Kaplan Bozkurt Avcı Turan Erdoğan Sarı Kahraman Duman "
    "Uysal Coşkun Özer Bayram Altun Karakaya Işık Sönmez Yavuz Bilgin Ateş Toprak Akbulut "
    "Güven Çakır Tuncer Demirci Yalçın Kocabaş Ekinci Gündoğdu Başaran Sezer Oral Eren Durmaz "
    "Özgür Karataş Budak Aktaş Sevim Önal Kandemir Gürbüz Zengin Soylu Akgül Bozdağ"
).split()
# more surnames, for people in the prose who are not on the watchlist
OTHER_LAST = LAST + (
    "Aydemir Akyüz Bakır Balcı Baysal Berber Bilgiç Bingöl Bostan Cengiz Ceylan Çağlar Çakmak "
    "Çalışkan Çiftçi Dağ Deniz Dinç Dündar Ekici Elmas Erbaş Ergün Eroğlu Esen Genç Gök Gül "
    "Gümüş Gündüz Güngör Gürel Hoca İnce Kalkan Karabulut Karadağ Kavak Kaygusuz Kaymaz Kılınç "
    "Kırmızı Kocaman Kolay Konuk Kuru Mutlu Nas Odabaşı Okur Orhan Oruç Öksüz Önder Özbek Özcan "
    "Özen Özkaya Özmen Pala Parlak Peker Sağlam Sarıkaya Seçkin Selçuk Sert Sevinç Soysal Süer "
    "Şen Şener Şeker Tatlı Tay Temiz Tokgöz Topal Turgut Tütüncü Uçan Uluer Ulusoy Ural Usta "
    "Vural Yaman Yazıcı Yeşil Yiğit Yurt Yücel Yüksel Zorlu Akdağ Akkaya Alkan Altıntaş Arıkan "
    "Atalay Avşar Aydoğan Baş Bektaş Bolat Candan Çınar Demirel Doğru Duru Ekşi Erol Gedik "
    "Göksu Güç Hazar Işıklı Kalın Karakuş Kartal Kaynak Keleş Kervan Koca Kök Metin Özdoğan"
).split()
# surnames that are also common words: an entry only counts them capitalised
COMMON_WORD = {"Kaya", "Demir", "Çelik", "Kara", "Güneş", "Bulut", "Aslan", "Doğan", "Kurt",
               "Işık", "Toprak", "Altun", "Sarı", "Güven", "Zengin", "Keskin"}
TITLE = "Başkan|Vali|Müdür|Rektör|Kaymakam|Milletvekili|Dr.|Genel Müdür".split("|")
SECTOR = (
    "Tekstil Gıda İnşaat Makina Enerji Lojistik Plastik Metal Otomotiv Kimya Mobilya Ambalaj "
    "Elektrik Madencilik Tarım Turizm Yapı Kağıt İplik Boya Un Yem Halı Konfeksiyon Döküm "
    "Hububat Süt Tekstil Enerji Gıda"
).split()
BRAND_END = ["", "", "lar", "oğlu", "soy", "taş", "han", "er"]
FORM = "Sanayi ve Ticaret A.Ş.|San. ve Tic. Ltd. Şti.|A.Ş.|Holding|Grubu".split("|")
PLACE = (
    "Kahramanmaraş Elbistan Afşin Göksun Pazarcık Türkoğlu Andırın Ekinözü Nurhak Onikişubat "
    "Dulkadiroğlu Adana Gaziantep Malatya Adıyaman Osmaniye Hatay Kayseri Konya Bursa Denizli "
    "Kocaeli Sakarya Manisa Kilis Niğde Aksaray Sivas Tokat Çorum Ceyhan Kozan Nizip İslahiye "
    "Doğanşehir Kahta Besni Kadirli Düziçi Reyhanlı"
).split()
INSTITUTION = [
    ("{p} OSB", ("{p} Organize Sanayi Bölgesi",)),
    ("{p} Belediyesi", ("{p} Belediye Başkanlığı",)),
    ("{p} Ticaret ve Sanayi Odası", ("{p} TSO",)),
    ("{p} Devlet Hastanesi", ()),
    ("{p} Üniversitesi", ("{p} Üniversitesi Rektörlüğü",)),
    ("{p} Ticaret Borsası", ()),
    ("{p} İl Milli Eğitim Müdürlüğü", ("{p} MEM",)),
]
SUFFIX = ["'ın", "'a", "'da", "'nın", "'ya", "'dan", "'la", "'nin", "'e", "'te", "'ın da"]
GLUED = ["ın", "a", "da", "nın", "ya", "dan", "la", "nde", "ndeki", "nin"]

# Running prose: a few sentence shapes of regional business/local news.
SENTENCES = [
    "{P}, {L}'da düzenlenen toplantıda {s} sektörünün sorunlarını dile getirdi.",
    "Kentte faaliyet gösteren {C}, bu yıl üretim kapasitesini yüzde {n} artırmayı hedefliyor.",
    "{T} {P} yaptığı açıklamada, {s} ihracatının geçen yıla göre yüzde {n} arttığını söyledi.",
    "Törene {L} Valisi {P}, Belediye Başkanı {P} ve çok sayıda davetli katıldı.",
    "{C} Yönetim Kurulu Başkanı {P}, yeni fabrikanın {n} kişiye istihdam sağlayacağını belirtti.",
    "{F} Bey, {s} üreticilerinin enerji maliyetleri nedeniyle zor günler geçirdiğini ifade etti.",
    "Organize sanayi bölgesindeki {s} firmaları, ihracatta yeni pazarlara açılmak istiyor.",
    "{L} ilçesinde yapımı süren {s} tesisinin temeli geçen ay atılmıştı.",
    "Programda konuşan {P}, gençlerin {s} alanında meslek edinmesinin önemine değindi.",
    "{P} ile {P}, {L}'daki sanayicilerle bir araya gelerek talepleri dinledi.",
    "Ticaret ve sanayi odası meclis toplantısında {s} ve {s} sektörlerinin durumu ele alındı.",
    "Yatırım teşvik belgesi alan {C}, {n} milyon liralık yeni bir hat kuracak.",
    "{F} Hanım, kadın girişimcilere yönelik {s} kursunun {n} kişiyle başladığını söyledi.",
    "Açıklamada, {s} sektöründe çalışan işçilerin maaşlarına yüzde {n} zam yapıldığı belirtildi.",
    "Belediye ekipleri, {L} kent merkezindeki yol ve altyapı çalışmalarını sürdürüyor.",
    "Vatandaşlar, {L} ile {L} arasındaki yolun bir an önce tamamlanmasını istiyor.",
    "Bakan {P}, {L} ziyaretinde {s} ve {s} yatırımlarını yerinde inceledi.",
    "{C} ile {C} arasında {n} milyon dolarlık tedarik sözleşmesi imzalandı.",
    "Üniversite öğrencileri, {s} fabrikalarında staj yaparak sektörü tanıma fırsatı buldu.",
    "Kentin en büyük {s} şirketlerinden {C}, {n} ülkeye ihracat yapıyor.",
    "Etkinliğe katılan {P}'a plaket takdim edildi.",
    "Kaymakam {P}, köylerde sürdürülen {s} projelerinin takipçisi olacaklarını vurguladı.",
    "Fuarda {s}, {s} ve {s} alanlarında {n} firma ürünlerini sergiledi.",
    "Son bir ayda elektrik ve doğalgaz fiyatlarındaki artış {s} üreticilerini zorladı.",
    "Milletvekili {P}, {L}'nın sanayi altyapısının güçlendirilmesi gerektiğini söyledi.",
    "{P}'ın girişimiyle kurulan kooperatif, {s} alanında {n} üreticiyi bir araya getiriyor.",
    "Hafta sonu yapılan kermeste toplanan gelir, ihtiyaç sahibi öğrencilere bağışlanacak.",
    "Valilik, olumsuz hava koşulları nedeniyle {L}'da okulların tatil edildiğini duyurdu.",
    "Sendika temsilcisi {P}, {s} işçilerinin çalışma koşullarının iyileştirilmesini istedi.",
    "Dün akşam saatlerinde meydana gelen kazada {n} kişi hafif yaralandı.",
    "Müdür {P}, kentte {n} yeni okulun eğitim öğretime açılacağını kaydetti.",
    "{F} {F} {W}, {s} atölyesinde ürettiği ürünleri internet üzerinden satıyor.",
]


def _ascii_upper(word: str) -> str:
    return word.replace("i", "İ").replace("ı", "I").upper()


def synthetic_watchlist(n: int, rng: random.Random, base: Watchlists | None = None) -> Watchlists:
    """`base`'s entries, then generated ones shaped like a real watchlist, `n` in all."""
    entries = list(base.entries) if base else []
    seen = {e.name for e in entries}
    while len(entries) < n:
        kind = rng.random()
        exclude: tuple[str, ...] = ()
        capitalised: tuple[str, ...] = ()
        if kind < 0.45:  # a person
            first = rng.choice(FIRST)
            if rng.random() < 0.15:
                first += " " + rng.choice(FIRST)
            last = rng.choice(LAST)
            name = f"{first} {last}"
            aliases = [f"{rng.choice(TITLE)} {last}"] if rng.random() < 0.6 else []
            if rng.random() < 0.2:
                aliases.append(f"{rng.choice(TITLE)} {name}")
            if last in COMMON_WORD:
                capitalised = (last,)
        elif kind < 0.8:  # a firm
            stem = rng.choice(LAST) + rng.choice(BRAND_END)
            sector = rng.choice(SECTOR)
            name = f"{stem} {sector}"
            aliases = [f"{name} {rng.choice(FORM)}"]
            if rng.random() < 0.5:
                aliases.append(_ascii_upper(stem[:3] + sector[:3]))  # brand acronym: YILTEK
        else:  # a place or an institution
            place = rng.choice(PLACE)
            shape, longs = rng.choice(INSTITUTION)
            name = shape.format(p=place)
            aliases = [a.format(p=place) for a in longs]
            if shape == "{p} OSB" and rng.random() < 0.5:
                exclude = (f"{place} OSB Caddesi",)
        if name in seen:
            continue
        seen.add(name)
        entries.append(WatchlistEntry(f"e{len(entries)}", name, tuple(aliases), None,
                                      exclude=exclude, capitalised=capitalised))
    return Watchlists(tuple(entries), ())


def _typo(term: str, rng: random.Random) -> str:
    """One edit (drop, double, swap or change a letter) inside one word of 5+ letters."""
    words = term.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha() and not w.isupper()]
    if not long:
        return term
    i = rng.choice(long)
    w, p = words[i], rng.randrange(2, len(words[i]) - 1)
    op = rng.randrange(4)
    if op == 0:
        w = w[:p] + w[p + 1 :]
    elif op == 1:
        w = w[:p] + w[p] + w[p:]
    elif op == 2:
        w = w[: p - 1] + w[p] + w[p - 1] + w[p + 1 :]
    else:
        w = w[:p] + rng.choice("aeiklmnrs") + w[p + 1 :]
    words[i] = w
    return " ".join(words)


def mention(entry: WatchlistEntry, rng: random.Random) -> str:
    """How an article names an entry: as written, suffixed, or with a typo."""
    term = rng.choice((entry.name, entry.name, *entry.aliases))
    r = rng.random()
    if r < 0.45:
        return term
    if r < 0.65:
        return term + rng.choice(SUFFIX)
    if r < 0.8 and term[-1].isalpha():
        return term + rng.choice(GLUED)
    return _typo(term, rng)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(OTHER_LAST)}"


def _company(rng: random.Random) -> str:
    return f"{rng.choice(OTHER_LAST)}{rng.choice(BRAND_END)} {rng.choice(SECTOR)}"


def article(rng: random.Random, entries: list[WatchlistEntry], shipped: list[WatchlistEntry],
            words: int = 600) -> str:
    """About `words` words of prose; a third of the articles mention 1-3 entries, each one
    of `entries` or of the `shipped` ones, as likely."""
    fill = {
        "P": lambda: _person(rng), "F": lambda: rng.choice(FIRST), "W": lambda: rng.choice(LAST),
        "C": lambda: _company(rng), "L": lambda: rng.choice(PLACE),
        "s": lambda: turkish_lower(rng.choice(SECTOR)),
        "n": lambda: str(rng.randrange(2, 400)), "T": lambda: rng.choice(TITLE),
    }
    sentences, count = [], 0
    while count < words:
        shape = rng.choice(SENTENCES)
        parts = shape.split("{")
        text = parts[0] + "".join(fill[p[0]]() + p[2:] for p in parts[1:])
        sentences.append(text)
        count += len(text.split())
    if entries and rng.random() < 1 / 3:
        for _ in range(rng.randint(1, 3)):
            pool = entries if rng.random() < 0.5 else shipped
            name = mention(rng.choice(pool), rng)
            i = rng.randrange(len(sentences))
            sentences[i] = f"{sentences[i][:-1]}, {name} de bu konuda açıklama yaptı."
    paragraphs = [" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
    return "\n\n".join(paragraphs)


def rate(matcher: Matcher, articles: list[str]) -> float:
    start = time.perf_counter()
    for text in articles:
        matcher.find_matches("", text)
    return len(articles) / (time.perf_counter() - start)


def naive_rate(watchlists: Watchlists, articles: list[str]) -> float:
    """rapidfuzz partial_ratio of every name and alias over each whole article."""
    terms = [t for e in watchlists.entries for t in (e.name, *e.aliases)]
    start = time.perf_counter()
    for text in articles:
        lowered = text.lower()
        for term in terms:
            fuzz.partial_ratio(term.lower(), lowered, score_cutoff=90)
    return len(articles) / (time.perf_counter() - start)


def _yaml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def write_watchlist(watchlists: Watchlists, path: Path) -> None:
    lines = ["entries:"]
    for e in watchlists.entries:
        lines.append(f"  - id: {e.id}")
        lines.append(f"    name: {_yaml_str(e.name)}")
        for key in ("aliases", "exclude", "capitalised"):
            values = getattr(e, key)
            if values:
                lines.append(f"    {key}: [{', '.join(_yaml_str(v) for v in values)}]")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _monitor_exe() -> str | None:
    exe = Path(sys.executable).parent / "monitor"
    return str(exe) if exe.exists() else None


def _cli_seconds(exe: str, config: Path, files: list[str]) -> float:
    """Wall time of one `monitor --config X match --json FILES`, its output checked."""
    start = time.perf_counter()
    done = subprocess.run([exe, "--config", str(config), "match", "--json", *files],
                          capture_output=True, cwd=ROOT, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace").strip()
        raise SystemExit(f"`monitor match` exited {done.returncode}: {err[-500:]}")
    if (lines := done.stdout.count(b"\n")) != len(files):
        raise SystemExit(f"`monitor match --json` printed {lines} lines for {len(files)} files")
    return seconds


def cli_rates(exe: str, configs: dict[str, Path], files: list[str], repeats: int
              ) -> dict[str, tuple[float, float, float]]:
    """Per config: articles/s from (best time over all files - best time over 500), and the
    two best times.  The runs are interleaved round by round, so that a slow spell of the
    machine weighs on every config alike."""
    best: dict[tuple[str, int], float] = {}
    for _ in range(repeats):
        for name, config in configs.items():
            for n in (500, len(files)):
                seconds = _cli_seconds(exe, config, files[:n])
                best[(name, n)] = min(best.get((name, n), float("inf")), seconds)
    return {name: ((len(files) - 500) / (best[(name, len(files))] - best[(name, 500)]),
                   best[(name, 500)], best[(name, len(files))]) for name in configs}


def _bar(label: str, measured: float, goal: float, unit: str, higher: bool = True) -> bool:
    ok = measured >= goal if higher else measured <= goal
    sign = ">=" if higher else "<="
    print(f"  {label:<46} {measured:>10,.2f}{unit}  goal {sign} {goal:,.0f}{unit}  "
          f"{'PASS' if ok else 'FAIL'}")
    return ok


def measure_cli(big: Watchlists, articles: list[str], files_count: int, repeats: int
                ) -> tuple[float, float, list[float]]:
    """Articles/s of `monitor match --json` with the shipped and the 1,000-entry watchlist
    (8,500 files minus 500), and the four timings."""
    exe = _monitor_exe()
    if exe is None:
        raise SystemExit("no `monitor` executable next to this Python (pip install -e .)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        big_file = folder / "watchlist-1000.yaml"
        write_watchlist(big, big_file)
        configs = {}
        for name, lists in (("small", ROOT / "watchlists"), ("big", big_file)):
            configs[name] = folder / f"monitor-{name}.config.yaml"
            configs[name].write_text(f"watchlists: {_yaml_str(str(lists))}\n"
                                     "feeds:\n  - url: https://unused.example/rss\n",
                                     encoding="utf-8")
        files = []
        for i in range(files_count):
            path = folder / f"a{i:05d}.txt"
            path.write_text(articles[i % len(articles)], encoding="utf-8")
            files.append(str(path))
        size = sum(len(f) + 1 for f in files)
        size += sum(len(k) + len(v) + 2 for k, v in os.environ.items())
        if size > os.sysconf("SC_ARG_MAX") // 2:
            raise SystemExit("argument list too long for one `monitor match` call")
        rates = cli_rates(exe, configs, files, repeats)
    (c4, t4_500, t4_all), (c1000, t_500, t_all) = rates["small"], rates["big"]
    return c4, c1000, [t4_500, t4_all, t_500, t_all]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=3000, help="distinct articles")
    parser.add_argument("--naive-articles", type=int, default=5)
    parser.add_argument("--files", type=int, default=8500, help="CLI: files in the long run")
    parser.add_argument("--repeats", type=int, default=5, help="CLI: best of N runs each")
    parser.add_argument("--no-cli", action="store_true", help="skip `monitor match --json`")
    args = parser.parse_args()

    rng = random.Random(42)
    small = load_watchlists(ROOT / "watchlists")
    big = synthetic_watchlist(1000, rng, small)  # the 4 shipped entries + 996 generated
    generated, shipped = list(big.entries[len(small.entries):]), list(small.entries)
    articles = [article(rng, generated, shipped) for _ in range(args.articles)]
    # the official measure first, while this process is small and holds no matcher
    cli = None if args.no_cli else measure_cli(big, articles, args.files, args.repeats)

    start = time.perf_counter()
    big_matcher = Matcher(big)
    build = time.perf_counter() - start
    small_matcher = Matcher(small)
    hits_small = sum(bool(small_matcher.find_matches("", a)) for a in articles[:500])
    hits_big = sum(bool(big_matcher.find_matches("", a)) for a in articles[:500])
    rate(small_matcher, articles[:200])  # warm up
    r4, r1000 = rate(small_matcher, articles), rate(big_matcher, articles)
    naive = naive_rate(big, articles[: args.naive_articles])

    terms = sum(1 + len(e.aliases) for e in big.entries)
    words = sum(len(a.split()) for a in articles) / len(articles)
    chars = sum(len(a) for a in articles) / len(articles)
    print(f"articles: {len(articles):,} distinct, ~{words:.0f} words / {chars:,.0f} chars each; "
          f"with a match: {hits_small / 5:.0f}% (4 entries), {hits_big / 5:.0f}% (1,000 entries)")
    print(f"1,000-entry watchlist: {terms:,} names and aliases; index build {build * 1000:.0f} ms")
    print(f"naive partial_ratio, 1,000 entries: {naive:,.2f} articles/s "
          f"(over {args.naive_articles} articles)")
    print(f"in-process find_matches: 4 entries {r4:,.0f} articles/s, "
          f"1,000 entries {r1000:,.0f} articles/s")
    print("in-process bars (information; no file reading or JSON):")
    _bar("1,000 entries, articles/s", r1000, GOAL_RATE, "")
    _bar("1,000 entries vs naive, times faster", r1000 / naive, GOAL_NAIVE_X, "x")
    _bar("cost of 1,000 entries / cost of 4 entries", r4 / r1000, GOAL_COST_X, "x", higher=False)
    if cli is None:
        sys.stdout.flush()
        return
    c4, c1000, (t4_500, t4_all, t_500, t_all) = cli
    print(f"`monitor match --json`, best of {args.repeats}: 4 entries {t4_500:.2f}s / "
          f"{t4_all:.2f}s, 1,000 entries {t_500:.2f}s / {t_all:.2f}s (500 / {args.files:,} files)")
    print(f"CLI bars (the issue's measure: {args.files:,} files minus 500):")
    results = [
        _bar("1,000 entries, articles/s", c1000, GOAL_RATE, ""),
        _bar("1,000 entries vs naive, times faster", c1000 / naive, GOAL_NAIVE_X, "x"),
        _bar(f"cost of 1,000 entries / cost of 4 ({c4:,.0f}/s)", c4 / c1000, GOAL_COST_X, "x",
             higher=False),
    ]
    print(f"overall: {'PASS' if all(results) else 'FAIL'}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
