"""Bylines that mix a place with a person or agency (issue 11, class 3): the person or agency is
the author, the place is the dateline; the gazetteer tells places from names."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.clean.bylines import byline_place, byline_places, clean_author_names, split_byline
from workers.clean.extract import extract_article

CASES = [
    # the examples
    ("الرياض - واس", ["واس"], "الرياض"),
    ("جدة: واس", ["واس"], "جدة"),
    ("المدينة المنورة - خالد الزايدي", ["خالد الزايدي"], "المدينة المنورة"),
    ("عكاظ (بغداد، عمان)", ["عكاظ"], "بغداد"),
    ("خالد سجاف - الدمام", ["خالد سجاف"], "الدمام"),
    ("كاثرين نيكولاس؛ ترجمة- محمد الضبع", ["كاثرين نيكولاس", "محمد الضبع"], None),
    # agency first, place first, no spaces around the dash, trailing colon
    ("واس - الرياض", ["واس"], "الرياض"),
    ("الرياض-الوئام:", ["الوئام"], "الرياض"),
    ("سبق- الرياض:", ["سبق"], "الرياض"),
    ("ا ف ب - الدوحة", ["ا ف ب"], "الدوحة"),
    ("القاهرة - (د ب أ)", ["د ب أ"], "القاهرة"),
    ("لندن - د ب أ", ["د ب أ"], "لندن"),
    ("TRIPOLI - Reuters", ["Reuters"], "TRIPOLI"),
    # parentheses: a place, or the country after the city
    ("واس (طرابلس)", ["واس"], "طرابلس"),
    ("فهيم الحامد (جدة)", ["فهيم الحامد"], "جدة"),
    ("رويترز- بنغازي (ليبيا):", ["رويترز"], "بنغازي"),
    # a slash between two places (agency copy told from two cities)
    ("المدينة - رويترز - القاهرة/الإسماعيلية (مصر)", ["المدينة", "رويترز"], "القاهرة"),
    ("رويترز - بنغازي / طرابلس", ["رويترز"], "بنغازي"),
    ("خاص «عكاظ» (بيروت)", ["عكاظ"], "بيروت"),
    # "... من المكان", quoted outlet names
    ("«الاقتصادية» من الرياض", ["الاقتصادية"], "الرياض"),
    ("أسامة سليمان من فيينا", ["أسامة سليمان"], "فيينا"),
    ("لندن: «الشرق الأوسط أونلاين»", ["الشرق الأوسط أونلاين"], "لندن"),
    # several segments; bureau credits name no one
    ("القاهرة - مكتب الجزيرة - طارق محيي:", ["طارق محيي"], "القاهرة"),
    ("عبدالله البرقاوي- سبق- الرياض:", ["عبدالله البرقاوي", "سبق"], "الرياض"),
    ("الكويت، القاهرة - رويترز", ["رويترز"], "الكويت"),
    ("بروكسل - لندن: «الشرق الأوسط»", ["الشرق الأوسط"], "بروكسل"),
    ("المدينة ـ جدة", ["المدينة"], "جدة"),  # the newspaper المدينة, datelined Jeddah
    ("الطائف – إسماعيل إبراهيم", ["إسماعيل إبراهيم"], "الطائف"),
    ("بنغازي - بوابة الوسط", ["بوابة الوسط"], "بنغازي"),
    ("مصراتة: سالم الورفلي", ["سالم الورفلي"], "مصراتة"),
    # no place at all
    ("د. عبدالعزيز الجار الله", ["د. عبدالعزيز الجار الله"], None),
    ("كتب - عبدالله الحنيان:", ["عبدالله الحنيان"], None),
    ("Jean-Pierre Dupont", ["Jean-Pierre Dupont"], None),
]


@pytest.mark.parametrize(("raw", "authors", "place"), CASES)
def test_split_byline(raw: str, authors: list[str], place: str | None):
    byline = split_byline(raw)
    assert (byline.authors, byline.place) == (authors, place)


def test_commas_inside_parentheses_do_not_split_the_author():
    byline = split_byline("عكاظ (بغداد، عمان)")
    assert byline.places == ["بغداد", "عمان"]
    assert clean_author_names(["عكاظ (بغداد، عمان)"]) == ["عكاظ"]


def test_clean_author_names_keeps_people_and_agencies_not_places():
    names = ["الرياض - واس", "بيروت: نانسي فاخوري، أسماء وهبة", "خالد سجاف - الدمام", "الدمام"]
    assert clean_author_names(names) == ["واس", "نانسي فاخوري", "أسماء وهبة", "خالد سجاف"]


def test_byline_place_is_the_first_place_named():
    assert byline_place(["", "محمد علي", "جدة: واس", "الرياض - واس"]) == "جدة"
    assert byline_place(["محمد علي"]) is None


def test_byline_places_are_every_place_the_bylines_name():
    raw = ["عكاظ (بغداد، عمان)", "المدينة - رويترز - القاهرة/الإسماعيلية (مصر)", "بغداد - واس", "محمد علي"]
    assert byline_places(raw) == ["بغداد", "عمان", "القاهرة", "الإسماعيلية", "مصر"]
    assert byline_places(["محمد علي", ""]) == []


@pytest.mark.parametrize(
    ("author_html", "authors", "dateline"),
    [
        ('<span class="author">الرياض - واس</span>', ["واس"], "الرياض"),
        ('<meta name="author" content="خالد سجاف - الدمام">', ["خالد سجاف"], "الدمام"),
        ('<span class="byline">عكاظ (بغداد، عمان)</span>', ["عكاظ"], "بغداد"),
    ],
)
def test_extract_takes_the_author_and_the_dateline_from_a_mixed_byline(author_html, authors, dateline):
    body = " ".join(["أعلنت الحكومة اليوم عن خطة جديدة لمعالجة أزمة الكهرباء في عدد من المدن."] * 3)
    head, byline = (author_html, "") if author_html.startswith("<meta") else ("", author_html)
    page = (
        f'<html lang="ar"><head><meta charset="utf-8"><title>خطة جديدة للكهرباء</title>{head}</head>'
        f"<body><article><h1>خطة جديدة للكهرباء</h1>{byline}<p>{body}</p><p>{body}</p></article></body></html>"
    )
    article = extract_article(page.encode(), "https://example.sa/n/1")
    assert article["authors"] == authors
    assert article["dateline"] == dateline
    if "عمان" in author_html:  # every place of the byline is one of the article's places (عمان: Oman or Amman)
        found = {p["id"] for p in article["places"]}
        assert "iq:baghdad" in found and found & {"om", "jo:amman"}


def test_a_dateline_in_the_text_wins_over_the_byline_place():
    body = "طرابلس 15 فبراير 2018 (وال) - " + " ".join(
        ["أعلنت الحكومة عن خطة جديدة لمعالجة أزمة الكهرباء."] * 4
    )
    page = (
        '<html lang="ar"><head><meta charset="utf-8"><title>خطة</title>'
        '<meta name="author" content="بنغازي - سالم علي"></head>'
        f"<body><article><h1>خطة</h1><p>{body}</p><p>{body}</p></article></body></html>"
    )
    article = extract_article(page.encode(), "https://example.ly/n/2")
    assert (article["authors"], article["dateline"]) == (["سالم علي"], "طرابلس")


_PIECES = st.sampled_from(
    [
        "الرياض",
        "واس",
        " - ",
        ": ",
        "(",
        ")",
        "،",
        "؛",
        "ترجمة",
        " من ",
        "خالد",
        "«",
        "»",
        "ـ",
        "-",
        "Reuters",
        " ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join) | st.text(max_size=80))
def test_split_byline_never_crashes_and_never_returns_a_place_as_author(raw: str):
    byline = split_byline(raw)
    assert isinstance(byline.authors, list) and isinstance(byline.places, list)
    assert byline.place is None or byline.place == byline.places[0]
    assert all(isinstance(name, str) and name.strip() for name in byline.authors)
    clean_author_names([raw])  # and the public entry point neither
