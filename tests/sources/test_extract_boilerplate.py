"""monitor.sources.boilerplate: each kind of non-article line, and sentences only like one."""

from __future__ import annotations

import pytest

from monitor.sources.boilerplate import byline_name, clean_body, is_date_line, is_notice


@pytest.mark.parametrize(
    "line",
    [
        "Anadolu Ajansı web sitesinde, AA Haber Akış Sistemi (HAS) üzerinden abonelere sunulan "
        "haberler, özetlenerek yayımlanmaktadır. Abonelik için lütfen iletişime geçiniz.",
        "Bu haberin tüm yayın hakları İhlas Haber Ajansı A.Ş.'ye aittir.",
        "İHA - Kaynak gösterilmeden iktibas edilemez.",
        "Bu haber DHA tarafından abonelerine servis edilmiştir.",
        "Haberin tüm hakları ANKA Haber Ajansı'na aittir, kaynak gösterilmeden kullanılamaz.",
        "© 2026 Yerel Gazete. Tüm hakları saklıdır.",
        "- Copyright 2026 Örnek Haber",
    ],
)
def test_notices(line: str) -> None:
    assert is_notice(line)


@pytest.mark.parametrize(
    "line",
    [
        "AA muhabirine konuşan vali, köprünün kullanılamaz durumda olduğunu söyledi.",
        "DHA muhabiri olay yerine izinsiz girilmesinin yasak olduğunu aktardı.",
        "İhlas Haber Ajansı, o gecenin fotoğraflarını sergiliyor.",
        "Sanatçı, eserlerinin tüm haklarını vakfa bağışladığını açıkladı.",
        "Bu haberin tüm yayın hakları İhlas Haber Ajansı A.Ş.'ye aittir. " * 10,  # too long
    ],
)
def test_sentences_are_not_notices(line: str) -> None:
    assert not is_notice(line)


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Haber: Ali Veli", "Ali Veli"),
        ("HABER : ALİ VELİ", "ALİ VELİ"),
        ("Haber: Ayşe Kaya - Kamera: Mehmet Demir", "Ayşe Kaya"),
        ("Muhabir: Zeynep Acar | Fotoğraf: Can Er", "Zeynep Acar"),
        ("Kaynak: İHA", ""),
        ("- Fotoğraf: Can Er", ""),
    ],
)
def test_bylines(line: str, name: str) -> None:
    assert byline_name(line) == name


@pytest.mark.parametrize(
    "line",
    [
        "Haberin devamında bakan açıklamalarda bulundu.",
        "Kaynak: Türkiye İstatistik Kurumu verilerine göre ihracat yüzde 12 artarak rekor kırdı.",
        "Haber: Ali Veli - ve sonra belediye başkanı kürsüye çıkarak uzun bir konuşma yaptı",
        "",
    ],
)
def test_sentences_are_not_bylines(line: str) -> None:
    assert byline_name(line) is None


@pytest.mark.parametrize(
    "line",
    [
        "Giriş: 12.03.2026 - 14:05 | Güncelleme: 12.03.2026 - 15:20",
        "03.04.2025 - Güncelleme : 03.04.2025",
        "Son Güncelleme: 30.11.2020 18:14",
        "Yayınlanma: 12 Mart 2026 Perşembe",
        "24.11.2026 - 09:15",
    ],
)
def test_date_lines(line: str) -> None:
    assert is_date_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "12 Mart 2026'da açılan fabrika 400 kişiye iş verdi.",
        "Güncelleme çalışmaları 2026 yılında tamamlanacak.",
        "12 Mart",
        "Giriş",
    ],
)
def test_sentences_are_not_date_lines(line: str) -> None:
    assert not is_date_line(line)


def test_tag_lists_end_the_body_and_sentences_starting_alike_stay() -> None:
    lines = [
        "Konular arasında TUSAŞ'ın yeni yatırımı ve Erkenez OSB'nin genişlemesi vardı.",
        "Toplantı akşam saatlerinde sona erdi.",
        "- Etiketler :",
        "- Haberler -",
        "- Erkenez OSB",
        "Anahtar kelimeler: TUSAŞ, KM Havacılık",
        "Etiketler: Erkenez OSB",
    ]
    kept, author = clean_body(lines)
    assert kept == lines[:2]
    assert author is None


def test_a_long_line_after_a_tag_list_is_kept() -> None:
    tail = "Oda başkanı, yatırımların yıl sonuna kadar tamamlanacağını söyledi."
    kept, _ = clean_body(["Etiketler:", "KMTSO", tail])
    assert kept == [tail]


def test_first_byline_names_the_author() -> None:
    kept, author = clean_body(["Kaynak: DHA", "Haber: Ali Veli", "Metin burada.", "Yazan: Can Er"])
    assert kept == ["Metin burada."]
    assert author == "Ali Veli"
