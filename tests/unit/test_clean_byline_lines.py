"""Bylines without a role word (issue 11): a byline line of its own at the head of a story, the
person or agency after a dateline's place, "بواسطة" role words, agency abbreviations that are also
the names of registered outlets."""

from __future__ import annotations

import pytest

from workers.clean.bylines import (
    byline_line,
    clean_author_names,
    dateline_author,
    find_bylines,
    parse_dateline,
)
from workers.clean.extract import extract_article

STORY = "قال مسؤول في وزارة الصحة إن الحملة الوطنية للتطعيم ستنطلق الأسبوع المقبل في جميع المدن والقرى."


@pytest.mark.parametrize(
    ("line", "authors"),
    [
        ("الرياض - واس", ["واس"]),
        ("جدة: واس", ["واس"]),
        ("خالد الزايدي (بغداد)", ["خالد الزايدي"]),
        ("علي المقريف (بيروت، تبوك)", ["علي المقريف"]),
        ("بنغازي: خاص", []),  # a dateline that names no one
        ("كونا", ["كونا"]),
        ("الزاوية - د ب أ", ["د ب أ"]),
        ("سعاد الكيلاني؛ ترجمة- أحمد بن علي", ["سعاد الكيلاني", "أحمد بن علي"]),
        ("ليلى المغربي", ["ليلى المغربي"]),  # a bare name right before the story
        ("قال الوزير إن الحكومة", None),
        ("طرابلس", None),
        ("الأمم المتحدة", None),
        ("انطلقت الحملة أمس.", None),
    ],
)
def test_byline_line(line: str, authors: list[str] | None) -> None:
    assert byline_line(line, following=[STORY]) == authors


def test_bare_name_needs_a_story_after_it() -> None:
    assert byline_line("ليلى المغربي", following=["قصير"]) is None
    assert byline_line("ليلى المغربي") is None


def test_find_bylines_drops_head_byline_lines() -> None:
    paragraphs = ["خالد الزايدي (بغداد)", STORY, STORY, STORY, "الرياض - واس"]
    assert find_bylines(paragraphs) == (["خالد الزايدي"], {0})  # only the head takes role-less bylines


@pytest.mark.parametrize(
    ("text", "city", "authors"),
    [
        ("الكويت - خالد الزايدي: " + STORY, "الكويت", ["خالد الزايدي"]),
        ("الرياض - واس: " + STORY, "الرياض", ["واس"]),
        ("تبوك: خاص - " + STORY, "تبوك", []),
        ("طرابلس - قال الوزير: " + STORY, "طرابلس", []),
    ],
)
def test_dateline_author(text: str, city: str, authors: list[str]) -> None:
    dateline = parse_dateline(text)
    assert dateline is not None and dateline.city == city
    assert dateline_author(text, dateline) == authors


@pytest.mark.parametrize(
    "raw", ["كتب بواسطة: حسن الزوي", "بواسطة حسن الزوي", "أرسلت بواسطة حسن الزوي", "نشر بواسطة: حسن الزوي"]
)
def test_role_word_bywasita_is_not_an_author(raw: str) -> None:
    assert clean_author_names([raw]) == ["حسن الزوي"]


def test_unknown_profile_is_no_author() -> None:
    assert clean_author_names(["نشر بواسطة غير معرف"]) == []


def test_agency_named_like_a_registered_outlet_is_the_author() -> None:
    """"وال" is also an alias of the LANA outlet: on another outlet's page it is the byline's author."""
    html = (
        "<html><head><title>خبر</title></head><body><article><h1>خبر عن الحملة</h1>"
        f"<p>الدمام: وال</p><p>{STORY}</p><p>{STORY}</p></article></body></html>"
    ).encode()
    doc = extract_article(html, "https://example.org/news/1", outlet="example")
    assert doc["authors"] == ["وال"]
    assert doc["dateline"] == "الدمام"
    assert "الدمام: وال" not in doc["body"]
