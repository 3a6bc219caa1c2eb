"""workers.clean.places: every place an article names (issue 23: the unit is a mention), and its main place."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.clean.gazetteer import default
from workers.clean.places import Place, article_places, tag_places

FILLER = " ".join(["وقال المسؤول إن العمل مستمر وفق الخطة المعلنة منذ أسابيع."] * 8)


def ids(places: list[Place]) -> list[str]:
    return [p.id for p in places]


@pytest.mark.parametrize(
    ("title", "body", "dateline", "main", "expected"),
    [
        # Tripoli, Libya: Libyan context (and Libya first by default); "الليبية" is an adjective, not a mention
        ("اشتباكات في طرابلس", "اندلعت اشتباكات مسلحة في العاصمة الليبية. " + FILLER, None, "ly:tripoli", set()),
        # Tripoli, Lebanon: Lebanese context outweighs the Libyan prior
        (
            "اشتباكات في طرابلس",
            "اندلعت اشتباكات في مدينة طرابلس شمال لبنان بين مسلحين، وانتشر الجيش اللبناني في الشوارع "
            "بعد اجتماع أمني في بيروت. " + FILLER,
            None,
            "lb:tripoli",
            {"lb", "lb:beirut"},
        ),
        ("مؤتمر في طرابلس الشام", FILLER, None, "lb:tripoli", set()),
        ("مؤتمر في طرابلس الغرب", FILLER, None, "ly:tripoli", set()),
        # Amman or Oman
        ("وزير الخارجية يصل إلى عمان", "وصل الوزير إلى العاصمة الأردنية للقاء نظيره الأردني. " + FILLER, None,
         "jo:amman", set()),
        ("ملتقى اقتصادي في عمان", "ينظم الملتقى في مسقط بمشاركة رجال أعمال عمانيين. " + FILLER, None,
         "om:muscat", {"om"}),
        # the Sharara field and Zawiya port; "القوة القاهرة" is force majeure, not Cairo
        ("استئناف الإنتاج في حقل الشرارة", "أعلنت المؤسسة رفع القوة القاهرة عن ميناء الزاوية. " + FILLER, None,
         "ly:sharara", {"ly:zawiya"}),
        # English
        ("Clashes in Misrata", "Fighting broke out in Misrata on Tuesday, Libyan officials said. " + FILLER, None,
         "ly:misrata", set()),
    ],
)  # fmt: skip
def test_tag_places(title, body, dateline, main, expected):
    places = tag_places(title, body, dateline)
    assert places[0].id == main
    assert set(ids(places)) == expected | {main}  # a city does not bring its country: places are what is named


def test_a_mention_deep_in_the_body_is_a_place_but_not_the_main_one():
    body = (
        "وصلت قافلة مساعدات إلى مدينة سبها جنوب البلاد. " + FILLER + " وكان وفد قد زار القاهرة العام الماضي."
    )
    found = article_places("قافلة مساعدات تصل سبها", body)
    assert found.main is not None and found.main.id == "ly:sabha"
    assert ids(found.places) == ["ly:sabha", "eg:cairo"]


@pytest.mark.parametrize(
    ("text", "place_id"),
    [
        ("غادر الوفد جدة صباح اليوم متجها إلى الرياض", "sa:jeddah"),
        ("عقد الاجتماع في قصر السلام بجدة", "sa:jeddah"),
        ("أودع المتهم سجن مركزي جدة", "sa:jeddah"),
        ("وصل الوزير للرياض أمس", "sa:riyadh"),
        ("تتأثر مناطق جازان وعسير بالغبار", "sa:asir"),
        ("عاد الوفد لمصر بعد الزيارة", "eg"),
        ("تقع محطات القطار في مكة المكرمة وجدة والمدينة المنورة", "sa:jeddah"),  # و + جدة, not Oujda
        ("قالت الحكومة في بيان إن الأمور مستقرة في عدن وتعز", "ye:taiz"),
    ],
)  # fmt: skip
def test_every_mention_with_its_clitics_is_a_place(text, place_id):
    assert place_id in ids(tag_places("", FILLER + " " + text))


@pytest.mark.parametrize(
    ("title", "body", "not_a_place"),
    [
        ("خبر رياضي", "سجل اللاعب هدفين للفريق في مباراة ريال مدريد أمس. " + FILLER, "es:madrid"),
        ("خبر رياضي", "فاز الفريق على برشلونة في مباراة الدوري بثلاثة أهداف. " + FILLER, "es:barcelona"),
        ("قوات", "أرسلت القوات السعودية تعزيزات إلى الحدود. " + FILLER, "sa"),
        ("تجديد", "وقع اللاعب والكوت عقدا جديدا مع النادي اللندني. " + FILLER, "iq:kut"),
        ("مشروع", "يجري الآن تنفيذ أولى مراحل المشروع الخمس. " + FILLER, "ly:khoms"),
        ("ديوان", "من بين الشعراء الراحلين عبيد بن صويلح الهاملي. " + FILLER, "jo:suwaylih"),
        ("قناة", "عبرت السفن قناة السويس الجديدة. " + FILLER, "eg:suez"),
        # adjective shapes after a definite noun: the White House, the short term, white (undeveloped) lands
        ("بيان", "قال المتحدث باسم البيت الأبيض إن الاتفاق صامد. " + FILLER, "sd:obeid"),
        ("ثقة", "ستطمئن الخطة الحلفاء على المدى القصير. " + FILLER, "eg:qusayr"),
        ("رسوم", "فرضت الرسوم على الأراضي البيضاء داخل المدن. " + FILLER, "ly:bayda"),
        # tanween: an adverb or indefinite noun, not a name
        ("خدمة", "الذي يأمرنا دوماً بالعمل على خدمة كل مواطن. " + FILLER, "sy:duma"),
        # names that are also words or first names, with no support from their country
        ("مهرجان", "قدم الفنانون مشهد ثقافي يحتفي به المثقفون. " + FILLER, "ir:mashhad"),
        ("موقف", "ندين نظام بشار الأسد وما ارتكبه. " + FILLER, "dz:bechar"),
        ("قرار", "يرى بعضهم أن هذا قرار رشيد يصب في مصلحة الطالب. " + FILLER, "eg:rosetta"),
        ("ميدان", "تزينت الميادين ومنها ميدان التحرير بالأعلام. " + FILLER, "id:medan"),
        ("قصيدة", "أبكي فرحا يا رشيد وأدعو لك. " + FILLER, "eg:rosetta"),
        # alternate names that fold to words, read through a clitic: "كريم" is not "ك" + Rome
        ("فيلم", "شارك المخرج المنفذ خلدون كريم في العمل. " + FILLER, "it:rome"),
        ("بيان", "انتقدت سلطات الأمن التصريحات. " + FILLER, "ma:settat"),
        ("تمويل", "جاء المشروع بتمويل مالي من الشعب السعودي. " + FILLER, "ml"),  # a country's name that is a word
        ("طقس", "قال إن الحالة المطرية الصيفية مستمرة. " + FILLER, "eg:matariyah"),  # a nisba after a definite noun
        ("محاضرة", "أقيمت المحاضرة بعد صلاة المغرب في الجامع. " + FILLER, "ma"),  # the sunset prayer
        ("تاريخ", "عين الجنرال كولن باول رئيسا لهيئة الأركان. " + FILLER, "de:koln"),
        ("دوري", "رحل المدرب عن حامل لقب دوري روسيا البيضاء. " + FILLER, "ly:bayda"),  # Belarus, by its name
        # organisations named after a city: clubs in any spelling, banks, airlines
        ("انتقال", "انتقل المهاجم إلى سبورتينغ لشبونة لمدة عامين. " + FILLER, "pt:lisbon"),
        ("انتقال", "لعب المدافع مع بايرن ميونيخ ثلاثة مواسم. " + FILLER, "de:munich"),
        ("ودية", "فاز الفريق على لوس انجليس غالاكسي الأمريكي. " + FILLER, "us:los_angeles"),
        ("أرباح", "أعلن بنك الرياض أرباحه الفصلية. " + FILLER, "sa:riyadh"),
        ("رحلات", "قالت فلاي دبي إنها ستسير رحلات جديدة. " + FILLER, "ae:dubai"),
    ],
)  # fmt: skip
def test_names_that_mean_something_else_are_left_out(title, body, not_a_place):
    assert not_a_place not in ids(tag_places(title, body))


@pytest.mark.parametrize(
    ("body", "place_id"),
    [
        ("زار الرئيس الإيراني مدينة مشهد شمال شرق إيران. ", "ir:mashhad"),  # the word-name, with its country
        ("احتفل أهالي مدينة البيضاء بالعيد. ", "ly:bayda"),  # the adjective shape, not after a definite noun
        ("ودافع الفريق عن ألوان الأردن في البطولة. ", "jo"),  # a country is never an adjective here
        ("أقيمت البطولة في ولاية كاليفورنيا الأمريكية. ", "us:california"),  # first-level divisions
        ("تقع بلدة صغيرة في إقليم قشتالة وليون الإسباني. ", "es:castile_leon"),
        ("نقل المصاب إلى مستشفى في ولاية سارلاند. ", "de:saarland"),
        ("أعلن مصرف ليبيا المركزي سعر الصرف. ", "ly"),  # a country's own bank locates
        ("نقل المحررون ليلا من موبتي إلى باماكو عاصمة مالي. ", "ml"),  # Mali, with its capital named
        ("رحل المدرب عن حامل لقب دوري روسيا البيضاء. ", "by"),
    ],
)  # fmt: skip
def test_word_names_with_support_and_divisions_are_places(body, place_id):
    assert place_id in ids(tag_places("خبر", body + FILLER))


def test_a_club_city_named_as_a_place_in_a_sports_story_stays():
    body = "أقيمت المباراة في برشلونة أمام جمهور الفريق، وسجل اللاعب هدفين. " + FILLER
    assert "es:barcelona" in ids(tag_places("مباراة ودية", body))


def test_the_country_is_named_but_its_adjective_is_not():
    assert "sa" in ids(tag_places("زيارة", "وصل الوفد إلى السعودية أمس. " + FILLER))


def test_the_dateline_is_a_place_but_alone_makes_no_main_place():
    body = FILLER + " وأكد مسؤول أن الوضع مستقر."
    found = article_places("الوضع مستقر", body, "بنغازي")
    assert ids(found.places) == ["ly:benghazi"] and found.main is None
    assert article_places("الوضع مستقر", body).places == []


def test_a_word_cut_at_the_lead_boundary_is_not_a_name():
    # "كانوا" cut at character 300 read as "كانو" (Kano) before the boundary moved to the next space
    body = "أ" * 296 + " كانوا " + FILLER
    assert "ng:kano" not in ids(tag_places("", body))


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
    assert len(places) <= 20
    assert len(set(ids(places))) == len(places)
    for place in places:
        assert default().get(place.id) is not None and place.score > 0


def test_every_place_the_byline_names_is_a_place_beside_the_dateline():
    found = tag_places("افتتاح القناة", FILLER, "القاهرة", byline=["القاهرة", "الإسماعيلية", "مصر"])
    assert {"eg:cairo", "eg:ismailia", "eg"} <= set(ids(found))
    assert "eg:ismailia" not in ids(tag_places("افتتاح القناة", FILLER, "القاهرة"))
