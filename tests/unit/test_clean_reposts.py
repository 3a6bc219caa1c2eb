"""workers.clean.reposts: the original outlet of a repost."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from workers.clean.bylines import parse_dateline
from workers.clean.reposts import find_source_outlet, known_outlet, outlet_slug, resolve_outlet, source_outlet

BODY = "أعلنت الحكومة الليبية اليوم عن خطة جديدة لمعالجة أزمة انقطاع الكهرباء في عدد من المدن الليبية."


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("بوابة الوسط", "alwasat"),
        ("بوابه الوسط", "alwasat"),
        ("وال", "lana"),
        ("وكالة الأنباء الليبية", "lana"),
        ("وكالة الانباء الليبية", "lana"),
        ("عين ليبيا", "eanlibya"),
        ("المرصد", "almarsad"),
        ("قناة 218", "218tv"),
        ("218", "218tv"),
        ("ليبيا الأحرار", "libyaalahrar"),
        ("ليبيا الاحرار", "libyaalahrar"),
        ("أخبار ليبيا 24", "akhbarlibya24"),
        ("ليبيا الآن", "libyaalaan"),
        ("بوابة افريقيا الإخبارية", "afrigatenews"),
        ("بوابة أفريقيا الاخبارية", "afrigatenews"),
        ("الساعة 24", "alsaaa24"),
        ("موقع عين ليبيا", "eanlibya"),
        ("قناة ليبيا الأحرار", "libyaalahrar"),
    ],
)
def test_alias_table(name: str, slug: str):
    assert outlet_slug(name) == slug


def test_unknown_names_pass_through_unchanged():
    assert known_outlet("صحيفة فسانيا") is None
    assert outlet_slug("صحيفة فسانيا") == "صحيفة فسانيا"


def test_aggregator_line():
    paragraphs = [BODY, "مصدر الخبر / بوابة الوسط"]
    assert find_source_outlet(paragraphs) == "بوابة الوسط"
    assert source_outlet(paragraphs, outlet="libyaalaan") == "alwasat"


def test_aggregator_line_from_removed_html_block():
    assert find_source_outlet([BODY], extra_lines=["مصدر الخبر : عين ليبيا"]) == "عين ليبيا"


def test_read_at_source_line_naming_the_outlet():
    assert find_source_outlet([BODY, "يمكنك أيضاً قراءة الخبر في المصدر من المرصد"]) == "المرصد"
    assert find_source_outlet([BODY, "يمكنك ايضا قراءة الخبر في المصدر من هنا"]) is None


def test_unknown_source_is_returned_as_written():
    assert source_outlet([BODY, "مصدر الخبر / صحيفة فسانيا"], outlet="akhbarlibya24") == "صحيفة فسانيا"


def test_lana_agency_tag_in_dateline():
    opening = "طرابلس 15 فبراير 2018 (وال) - " + BODY
    assert find_source_outlet([opening], dateline=parse_dateline(opening)) == "وال"
    assert source_outlet([opening], dateline=parse_dateline(opening), outlet="akhbarlibya24") == "lana"


def test_lana_named_in_the_opening():
    opening = "طرابلس - وكالة الأنباء الليبية - " + BODY
    assert source_outlet([opening], dateline=parse_dateline(opening)) == "lana"


def test_country_in_parentheses_is_not_an_agency():
    opening = "طرابلس (ليبيا) - " + BODY
    assert find_source_outlet([opening], dateline=parse_dateline(opening)) is None


def test_credit_after_the_dateline():
    opening = "بنغازي - بوابة الوسط: " + BODY
    assert source_outlet([opening], dateline=parse_dateline(opening), outlet="libyaalaan") == "alwasat"


def test_own_outlet_is_not_a_source():
    opening = "بنغازي - بوابة الوسط: " + BODY
    assert source_outlet([opening], dateline=parse_dateline(opening), outlet="alwasat") is None
    assert (
        source_outlet(["طرابلس (وال) - " + BODY], dateline=parse_dateline("طرابلس (وال) - x"), outlet="lana")
        is None
    )


def test_naqlan_an():
    assert find_source_outlet([BODY, "(نقلاً عن بوابة الوسط)"]) == "بوابة الوسط"
    assert (
        find_source_outlet([BODY + " وذلك نقلا عن عين ليبيا التي أوردت الخبر أولا في تقرير مطول."])
        == "عين ليبيا"
    )
    # mid-sentence "نقلا عن" an unnamed source is no outlet
    assert find_source_outlet([BODY + " ونقل عن مصادر مطلعة قولها إن الاجتماع تأجل إلى موعد لاحق."]) is None


def test_source_line_and_prose_mentioning_the_source():
    assert find_source_outlet([BODY, "المصدر: صحيفة الصباح"]) == "صحيفة الصباح"
    prose = "وقال المصدر إن الاجتماع سيعقد غدا في العاصمة طرابلس بحضور عدد من الوزراء والمسؤولين."
    assert find_source_outlet([BODY, prose]) is None


def test_no_source():
    assert find_source_outlet([BODY, BODY]) is None
    assert find_source_outlet([]) is None


def test_jana_is_lana_and_prefix_names_are_known():
    assert outlet_slug("أوج") == "lana"
    assert outlet_slug("وكالة الجماهيرية للأنباء") == "lana"
    assert known_outlet("بوابة الوسط الليبية الإخبارية") == "alwasat"
    assert known_outlet("المرصد التجريبي") == "almarsad"
    assert known_outlet("المرصد التجريبي", prefix=False) is None


@dataclass
class Entry:
    name: str
    name_ar: str | None = None
    name_en: str | None = None
    aliases: tuple[str, ...] = ()


class FakeRegistry:
    def __init__(self, *entries: Entry) -> None:
        self.entries = entries

    def __iter__(self):
        return iter(self.entries)

    def find_by_alias(self, name: str) -> Entry | None:
        for entry in self.entries:
            if name in (entry.name, entry.name_ar, entry.name_en, *entry.aliases):
                return entry
        return None


REGISTRY = FakeRegistry(
    Entry("lana-test", name_ar="وكالة الأنباء الليبية التجريبية"),
    Entry("fasania", name_ar="صحيفة فسانيا"),
)


def test_registry_resolves_names_and_agency_tags():
    assert resolve_outlet("صحيفة فسانيا", REGISTRY) == "fasania"
    # "وال" is not in the registry, but the alias table says LANA and the registry's LANA entry is lana-test
    assert resolve_outlet("وال", REGISTRY) == "lana-test"
    assert resolve_outlet("بوابة الوسط", REGISTRY) == "alwasat"
    assert resolve_outlet("موقع مجهول", REGISTRY) == "موقع مجهول"
    opening = "طرابلس 15 فبراير 2018 (وال) - " + BODY
    assert (
        source_outlet([opening], dateline=parse_dateline(opening), outlet="alwasat", registry=REGISTRY)
        == "lana-test"
    )


def test_own_outlet_names_are_not_a_source():
    opening = "طرابلس 15 فبراير 2018 (وال) - " + BODY
    found = source_outlet(
        [opening],
        dateline=parse_dateline(opening),
        outlet="lana-test",
        own_names=["lana-test", "وكالة الأنباء الليبية التجريبية"],
        registry=REGISTRY,
    )
    assert found is None
    opening = "بنغازي - المرصد: " + BODY
    assert (
        source_outlet([opening], dateline=parse_dateline(opening), outlet="x", own_names=["المرصد التجريبي"])
        is None
    )
