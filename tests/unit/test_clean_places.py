"""workers.clean.places.tag_places: places an article is about, the main place first."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.clean.gazetteer import default
from workers.clean.places import Place, tag_places

FILLER = " ".join(["وقال المسؤول إن العمل مستمر وفق الخطة المعلنة منذ أسابيع."] * 8)


def ids(places: list[Place]) -> list[str]:
    return [p.id for p in places]


@pytest.mark.parametrize(
    ("title", "body", "dateline", "main", "expected"),
    [
        # Tripoli, Libya: Libyan context (and Libya first by default)
        ("اشتباكات في طرابلس", "اندلعت اشتباكات مسلحة في العاصمة الليبية. " + FILLER, None, "ly:tripoli", {"ly"}),
        # Tripoli, Lebanon: Lebanese context outweighs the Libyan prior
        (
            "اشتباكات في طرابلس",
            "اندلعت اشتباكات في مدينة طرابلس شمال لبنان بين مسلحين، وانتشر الجيش اللبناني في الشوارع "
            "بعد اجتماع أمني في بيروت. " + FILLER,
            None,
            "lb:tripoli",
            {"lb", "lb:beirut"},
        ),
        ("مؤتمر في طرابلس الشام", FILLER, None, "lb:tripoli", {"lb"}),
        ("مؤتمر في طرابلس الغرب", FILLER, None, "ly:tripoli", {"ly"}),
        # Amman or Oman
        ("وزير الخارجية يصل إلى عمان", "وصل الوزير إلى العاصمة الأردنية للقاء نظيره الأردني. " + FILLER, None,
         "jo:amman", {"jo"}),
        ("ملتقى اقتصادي في عمان", "ينظم الملتقى في مسقط بمشاركة رجال أعمال عمانيين. " + FILLER, None,
         "om:muscat", {"om"}),
        # a city brings its country; the Sharara field and Zawiya port
        ("استئناف الإنتاج في حقل الشرارة", "أعلنت المؤسسة رفع القوة القاهرة عن ميناء الزاوية. " + FILLER, None,
         "ly:sharara", {"ly", "ly:zawiya"}),
        # English
        ("Clashes in Misrata", "Fighting broke out in Misrata on Tuesday, Libyan officials said. " + FILLER, None,
         "ly:misrata", {"ly"}),
    ],
)  # fmt: skip
def test_tag_places(title, body, dateline, main, expected):
    places = tag_places(title, body, dateline)
    assert places[0].id == main
    assert expected | {main} <= set(ids(places))


def test_a_background_mention_deep_in_the_body_is_left_out():
    body = (
        "وصلت قافلة مساعدات إلى مدينة سبها جنوب البلاد. " + FILLER + " وكان وفد قد زار القاهرة العام الماضي."
    )
    places = ids(tag_places("قافلة مساعدات تصل سبها", body))
    assert places[:2] == ["ly:sabha", "ly"]
    assert "eg:cairo" not in places


def test_the_dateline_counts_as_evidence():
    body = FILLER + " وأكد مسؤول في بنغازي أن الوضع مستقر."
    assert "ly:benghazi" not in ids(tag_places("الوضع مستقر", body))
    assert "ly:benghazi" in ids(tag_places("الوضع مستقر", body, "بنغازي"))


def test_place_fields_come_from_the_gazetteer():
    place = tag_places("انقطاع الكهرباء في سبها", FILLER)[0]
    entry = default().get("ly:sabha")
    assert (place.id, place.name_ar, place.name_en, place.country) == ("ly:sabha", "سبها", "Sabha", "LY")
    assert (place.lat, place.lon) == (entry.lat, entry.lon) and place.score > 0


def test_no_text_no_places():
    assert tag_places(None, None, None) == []
    assert tag_places("", "نص بلا أماكن على الإطلاق", None) == []


_WORDS = st.sampled_from(
    ["طرابلس", "لبنان", "الليبي", "عمان", "الأردن", "القاهرة", "قال", "في", "Tripoli", "،", "\n"]
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(_WORDS, max_size=40).map(" ".join),
    st.lists(_WORDS, max_size=60).map(" ".join),
    st.none() | _WORDS,
)
def test_tag_places_never_crashes_and_returns_known_places(title, body, dateline):
    places = tag_places(title, body, dateline)
    assert len(places) <= 10
    assert len(set(ids(places))) == len(places)
    for place in places:
        assert default().get(place.id) is not None and place.score > 0
