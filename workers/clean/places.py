"""Places an article names, and the one it is mainly about: a pure function over title, body and dateline,
with the gazetteer.

`places` holds every place the text names as a place (issue 23: the unit is a mention): a name once deep in
the body counts as much as one in the title, clitics included ("بجدة", "لمصر", "وعسير"), a construct state
too ("مركزي جدة"). A country is listed when the text names it, not because one of its cities is named (the
place objects carry their `country` for that). What keeps a name out:
- phrases in which it means something else (gazetteer._NOT_PLACES: "القوة القاهرة", "ريال مدريد", "قناة
  السويس"), and a club's city in a sports story unless the text puts it as a place ("في برشلونة", "ببرشلونة");
- the adjective reading of a name that is also a feminine nisba: "القوات السعودية" (after a definite noun);
- a reading that needs support and has none. A reading needs support when it is a small foreign town
  (GeoNames gives small towns Arabic names that are also words: "آلاشهر"), a foreign town found only by
  peeling "و"/"ف" off an "ال" word ("والكوت" is Walcott, not "و" + Kut; "والطبقة" is "and the class"), a
  nisba-shaped name ("الأحمدي" is mostly a surname), or a city outside the Arab world below a million people
  that is not a capital (a transliterated name: "كانو"). Support is another place of the same country in the
  article, its name, its demonym ("اللبناني") or the dateline.

Names shared by several places ("طرابلس": Libya or Lebanon; "عمان": Oman or Amman; "وجدة": Oujda or
"و" + Jeddah) go to the candidate with the most evidence: its prior (Libyan places first, then size), plus the
article's other unambiguous places in the same country, the country's name and demonyms, and the dateline's
country. "طرابلس الغرب" and "طرابلس الشام" are names of their own in the gazetteer.

The main place is scored: named in the title 3, in the lead (the first 300 characters of the body) 2, further
down 1, the dateline 1; the best city, region or site reaching 2 (a title or lead mention, or two further
down) unless a country outweighs it more than twice; none when no place reaches 2 (a story that only carries a
dateline, or names places in passing). It comes first in `places`, and its point is the article's `location`.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import gazetteer as gaz
from .textutil import phrase_key

TITLE, LEAD, BODY, DATELINE = 3.0, 2.0, 1.0, 1.0
KEEP = 2.0  # the main place's least score
LEAD_CHARS = 300
DATELINE_HEAD = 60  # characters: where a body's own dateline line sits
_COUNTRY_NAME_EVIDENCE, _DEMONYM_EVIDENCE, _PLACE_EVIDENCE, _DATELINE_EVIDENCE = 1.5, 1.0, 1.0, 1.0
_MAX_PLACES = 20

# demonym stems in phrase_key form; any of the endings below may follow, "ال" may precede
_DEMONYMS: dict[str, tuple[str, ...]] = {
    "LY": ("ليبي", "Libyan"), "LB": ("لبناني", "Lebanese"), "JO": ("اردني", "Jordanian"), "OM": ("عماني", "Omani"),
    "SA": ("سعودي", "Saudi"), "EG": ("مصري", "Egyptian"), "SY": ("سوري", "Syrian"), "IQ": ("عراقي", "Iraqi"),
    "YE": ("يمني", "Yemeni"), "TN": ("تونسي", "Tunisian"), "DZ": ("جزائري", "Algerian"), "MA": ("مغربي", "Moroccan"),
    "SD": ("سوداني", "Sudanese"), "QA": ("قطري", "Qatari"), "KW": ("كويتي", "Kuwaiti"), "AE": ("اماراتي", "Emirati"),
    "BH": ("بحريني", "Bahraini"), "PS": ("فلسطيني", "Palestinian"), "TR": ("تركي", "Turkish"), "IR": ("ايراني", "Iranian"),
    "TD": ("تشادي", "Chadian"), "NE": ("نيجري",), "IT": ("ايطالي", "Italian"), "RU": ("روسي", "Russian"),
    "US": ("امريكي", "اميركي", "American"), "GB": ("بريطاني", "British"), "FR": ("فرنسي", "French"),
}  # fmt: skip
_ENDINGS = r"(?:ه|ين|ون|ان|يين|يون|ه|يه|ات)?"
# One pass over the text for every country (a pattern per country cost ~3 ms a real page); the stem
# names the country. Longest stems first, as a country's own pattern would have matched them.
_STEM_COUNTRY = {phrase_key(s): cc for cc, stems in _DEMONYMS.items() for s in stems}
_DEMONYM_RE = re.compile(
    r"(?<![\w])(?:و|ف)?(?:ال|لل|بال)?("
    + "|".join(re.escape(s) for s in sorted(_STEM_COUNTRY, key=len, reverse=True))
    + r")"
    + _ENDINGS
    + r"(?![\w])"
)


# Arab League members: a city here is named in Arabic news for itself; one elsewhere that is below a million
# people and not a capital is more often a transliterated word or name, and needs support.
ARAB_WORLD = frozenset(
    ("LY", "EG", "TN", "DZ", "MA", "MR", "SD", "SO", "DJ", "KM", "SA", "YE", "OM", "AE", "QA", "BH", "KW", "IQ",
     "SY", "LB", "JO", "PS")
)
BIG_FOREIGN_CITY = 1_000_000
# A foreign town smaller than this needs support: GeoNames gives small towns Arabic names that are also everyday
# words ("آلاشهر" / "الأشهر", the months). Hand-added places (population 0) are curated and need none.
SMALL_FOREIGN_TOWN = 100_000
# Cities a sports story names as clubs ("فاز على برشلونة"); as a place only with "في"/"مدينة" or "بـ"
_CLUB_CITIES = frozenset(
    phrase_key(n)
    for n in (
        "برشلونة", "مدريد", "ميلان", "روما", "ليفربول", "مانشستر", "موناكو", "بورتو", "فالنسيا", "إشبيلية",
        "نابولي", "مرسيليا", "ليون", "باريس", "ميونخ", "دورتموند", "تورينو", "جنوة", "لشبونة", "أمستردام",
    )
)  # fmt: skip
_SPORTS_WORDS = frozenset(
    phrase_key(w)
    for w in (
        "مباراة", "المباراة", "الدوري", "لاعب", "اللاعب", "لاعبي", "نادي", "النادي", "هدف", "أهداف", "الأهداف",
        "المنتخب", "مدرب", "المدرب", "الفريق", "مهاجم", "الملعب", "بطولة", "البطولة", "الموسم",
    )
)  # fmt: skip
_LOCATIVE = frozenset(phrase_key(w) for w in ("في", "مدينة", "بمدينة", "داخل", "ضواحي"))
# after these a name is a person's ("عبيد بن صويلح", "يا رشيد") or a neighbourhood's or street's ("حي الرصيفة")
_NOT_AFTER = frozenset(
    phrase_key(w)
    for w in ("بن", "ابن", "بنت", "أبو", "أبا", "أبي", "أم", "يا", "حي", "بحي", "وحي", "شارع", "بشارع")
)
# Organisations named after a place (the guide of issue 23: not a mention): clubs ("بايرن ميونيخ", "سبورتينغ
# لشبونة", "هرتا برلين", "لوس انجليس غالاكسي"), banks and airlines ("بنك الرياض", "فلاي دبي"). The word before or
# after a city's name says so (a country's bank is its own: "مصرف ليبيا المركزي"); gazetteer._NOT_PLACES lists
# whole phrases, these catch their spellings and kin.
_ORG_BEFORE = frozenset(
    phrase_key(w)
    for w in (
        "ريال", "أتلتيكو", "اتلتيكو", "أتليتكو", "أتليتيكو", "بايرن", "بوروسيا", "سبورتينغ", "سبورتنغ", "سبورتينج",
        "هرتا", "هيرتا", "إنتر", "انتر", "أولمبيك", "اولمبيك", "باير", "شالكه", "ديبورتيفو", "بنك", "مصرف", "فلاي",
    )
)  # fmt: skip
_ORG_AFTER = frozenset(
    phrase_key(w) for w in ("يونايتد", "سيتي", "غالاكسي", "جالاكسي", "ريد", "هوتسبير", "وندررز", "رينجرز")
)
# Place names that are also everyday words or first names: "مشهد" (a scene), "دوما" (always), "سعيدة" (happy),
# "رشيد" (wise; a first name), "بشار" (Bashar al-Assad), "سلمية" (peaceful), "حديثة" (recent), "ميدان" (a square),
# "أقصر" (shorter), "ودان" (and condemned), "حماة" (guardians), "مالي" (financial), "أدري" (I know), "تلا"
# (followed), "حولي" (around me), "أمل" (hope), "بحركة" (with a movement), "بركان" (a volcano), "كولن" (Colin
# Powell), "السدرة" (the lote tree). A reading of one needs support (another place of its country, its name or
# demonym, the dateline), as a small foreign town does. Found on unlabelled corpus days (issue 23).
_ALSO_WORDS = frozenset(
    phrase_key(w)
    for w in (
        "مشهد", "دوما", "سعيدة", "رشيد", "بشار", "سلمية", "السلمية", "حديثة", "ميدان", "اقصر", "ودان", "حماة",
        "مالي", "ادري", "تلا", "حولي", "امل", "بحركة", "بركان", "كولن", "السدرة",
    )
)  # fmt: skip
# tanween marks an indefinite common noun or adverb ("دوماً", "مشهدٍ"), never a place's name
_TANWEEN = re.compile("[\u064b-\u064d]")
# adjective shapes: afʿal (الأبيض), faʿlāʾ (البيضاء, الزرقاء), faʿīl (القصير): after a definite noun such a name is
# the noun's adjective ("البيت الأبيض", "المدى القصير", "الأراضي البيضاء"), as a nisba is ("القوات السعودية")
_ADJECTIVE_SHAPE = re.compile(r"^ال(?:ا\w{3}|\w{3}اء|\w{2}ي\w)$")
# names that are also number words: an adjective after a definite noun ("مراحل المشروع الخمس")
_NUMBER_NAMES = frozenset({phrase_key("الخمس")})
# words after which a definite name is not an adjective ("إلى السعودية" names the country)
_NOT_NOUNS = frozenset(phrase_key(w) for w in ("إلى", "الى", "إلا", "التي", "الذي", "الذين", "اللتين"))
_WORD = re.compile(r"[\w\u064b-\u065f\u0670\u0640]+")


@dataclass(frozen=True)
class Place:
    id: str
    name_ar: str
    name_en: str
    country: str
    lat: float
    lon: float
    score: float


@dataclass(frozen=True)
class ArticlePlaces:
    places: list[Place]  # every place the text names, the main place first, then by score (at most 20)
    main: Place | None  # what the article is mainly about, if anything


def tag_places(
    title: str | None,
    body: str | None,
    dateline: str | None = None,
    *,
    byline: Sequence[str] = (),
    gazetteer: gaz.Gazetteer | None = None,
) -> list[Place]:
    """Every place the article names, the main place (if any) first, then by score."""
    return article_places(title, body, dateline, byline=byline, gazetteer=gazetteer).places


def article_places(
    title: str | None,
    body: str | None,
    dateline: str | None = None,
    *,
    byline: Sequence[str] = (),
    gazetteer: gaz.Gazetteer | None = None,
) -> ArticlePlaces:
    """The places the article names and its main place (see the module's docstring). ``byline``: the places its
    byline names ("القاهرة/الإسماعيلية (مصر)"); each counts as the dateline does."""
    gz = gazetteer or gaz.default()
    title, body = title or "", body or ""
    sports = _is_sports(f"{title} {body}")
    cut = _lead_end(body)
    parts = [(title, TITLE), (body[:cut], LEAD), (body[cut:], BODY)]
    date_place = gz.lookup(dateline) if dateline else ()
    found = [
        # the dateline written at the body's head ("جدة - واس:") is the dateline again, not a lead mention
        (mention, 0.0 if weight == LEAD and mention.start < DATELINE_HEAD and mention.candidates == date_place
         else weight)
        for text, weight in parts
        for mention in gz.find(text)
        if not _other_meaning(text, mention, sports)
    ]  # fmt: skip

    evidence = _country_evidence(title, body, found, date_place)
    scores: dict[str, float] = defaultdict(float)
    unsupported: dict[str, bool] = {}  # id -> every reading of it needs support
    for mention, weight in found:
        entry = _resolve(mention.candidates, evidence)
        scores[entry.id] += weight
        unsupported[entry.id] = unsupported.get(entry.id, True) and _needs_support(mention, entry)
    if date_place:
        entry = _resolve(date_place, evidence)
        scores[entry.id] += DATELINE
        unsupported[entry.id] = False
    for name in byline:
        if name != dateline and (named_in_byline := gz.lookup(name)):
            entry = _resolve(named_in_byline, evidence)
            scores[entry.id] += DATELINE
            unsupported[entry.id] = False
    standing = [pid for pid, needs in unsupported.items() if not needs]  # what can support another
    named = {
        pid: score for pid, score in scores.items()
        if gz.get(pid) and (not unsupported[pid] or _supported(pid, standing, evidence, gz))
    }  # fmt: skip
    ranked = sorted(named.items(), key=lambda item: (-item[1], item[0]))
    main = _main([(pid, score) for pid, score in ranked if score >= KEEP], gz)
    if main:
        ranked.remove(main)
        ranked.insert(0, main)
    places = [_place(gz.get(pid), score) for pid, score in ranked[:_MAX_PLACES]]
    return ArticlePlaces(places, places[0] if main else None)


def _lead_end(body: str) -> int:
    """LEAD_CHARS, moved to the next space: a word cut in two is two other words ("كانوا" -> "كانو", Kano)."""
    if len(body) <= LEAD_CHARS:
        return len(body)
    space = re.compile(r"\s").search(body, LEAD_CHARS)
    return space.start() if space else len(body)


def _is_sports(text: str) -> bool:
    return sum(1 for word in phrase_key(text[:3000]).split() if word in _SPORTS_WORDS) >= 2


def _previous_word(text: str, start: int) -> str:
    words = _WORD.findall(text[max(0, start - 40) : start])
    return phrase_key(words[-1]) if words else ""


def _next_word(text: str, end: int) -> str:
    word = _WORD.match(text, end + 1) if text[end : end + 1] == " " else None
    return phrase_key(word[0]) if word else ""


def _other_meaning(text: str, mention: gaz.Mention, sports: bool) -> bool:
    """The name means something else here: a club in a sports story, or an adjective ("القوات السعودية")."""
    written = phrase_key(mention.text)
    bare = written == mention.key  # no clitic
    before = _previous_word(text, mention.start)
    if before in _NOT_AFTER:
        return True
    city = all(e.kind != "country" for e in mention.candidates)  # "مصرف ليبيا المركزي" is the country's own bank
    if city and (before in _ORG_BEFORE or _next_word(text, mention.end) in _ORG_AFTER):
        return True
    if sports and mention.key in _CLUB_CITIES and before not in _LOCATIVE and not (not bare and written[:1] == "ب"):
        return True
    if _TANWEEN.search(mention.text):
        return True
    adjective = (
        mention.key in _NUMBER_NAMES
        or (_ADJECTIVE_SHAPE.match(mention.key) is not None and all(e.kind != "country" for e in mention.candidates))
        or mention.key.endswith("يه")  # a nisba: "الحالة المطرية", "الطاقة النووية السلمية", "الرسالة المحمدية"
    )
    return (
        adjective and bare and " " not in mention.key and mention.key.startswith("ال")
        and before.startswith("ال") and before not in _NOT_NOUNS
    )  # fmt: skip


def _needs_support(mention: gaz.Mention, entry: gaz.Entry) -> bool:
    if mention.key in _ALSO_WORDS:
        return True  # "مشهد" with Iran named is Mashhad, without it a scene; Libyan "ودان" and Mali too
    if entry.country == gaz.LIBYA or entry.kind == "country" or entry.population == 0:
        return False
    written = phrase_key(mention.text)
    if written != mention.key and written[:1] in "وف" and mention.key.startswith("ال") and " " not in mention.key:
        return True  # "والكوت": Walcott, not "و" + Kut
    if written == mention.key and " " not in mention.key and mention.key.startswith("ال") and mention.key.endswith("ي"):
        return True  # "الأحمدي": a nisba, mostly a surname
    if entry.kind == "city" and entry.population < SMALL_FOREIGN_TOWN:
        return True
    return entry.country not in ARAB_WORLD and entry.population < BIG_FOREIGN_CITY and not _is_capital(entry)


def _is_capital(entry: gaz.Entry) -> bool:
    country = gaz.default().get(entry.country.lower())
    return country is not None and (country.lat, country.lon) == (entry.lat, entry.lon)


def _supported(pid: str, standing: list[str], evidence: _Evidence, gz: gaz.Gazetteer) -> bool:
    """Another place of its country that needs no support is named (or the country itself), or its demonym: two
    readings that both need support do not support each other ("كانو" and "أبا" are not Nigeria)."""
    entry = gz.get(pid)
    if entry is None:
        return False
    if evidence.demonyms.get(entry.country):
        return True
    return any(other != pid and (o := gz.get(other)) is not None and o.country == entry.country for other in standing)


@dataclass
class _Evidence:
    countries: dict[str, float]
    demonyms: dict[str, int]


def _country_evidence(title: str, body: str, found, date_place) -> _Evidence:
    countries: dict[str, float] = defaultdict(float)
    for mention, _ in found:
        if len(mention.candidates) == 1:
            entry = mention.candidates[0]
            countries[entry.country] += _COUNTRY_NAME_EVIDENCE if entry.kind == "country" else _PLACE_EVIDENCE
    if len(date_place) == 1:
        countries[date_place[0].country] += _DATELINE_EVIDENCE
    text = phrase_key(f"{title} {body}")
    demonyms = dict(Counter(_STEM_COUNTRY[stem] for stem in _DEMONYM_RE.findall(text)))
    for cc, count in demonyms.items():
        countries[cc] += _DEMONYM_EVIDENCE * min(count, 3)
    return _Evidence(dict(countries), demonyms)


def _resolve(candidates: tuple[gaz.Entry, ...], evidence: _Evidence) -> gaz.Entry:
    """The candidate with the most evidence (candidates come most likely first)."""
    if len(candidates) == 1:
        return candidates[0]
    return max(candidates, key=lambda e: e.prior + evidence.countries.get(e.country, 0.0))


def _main(ranked: list[tuple[str, float]], gz: gaz.Gazetteer) -> tuple[str, float] | None:
    if not ranked:
        return None
    top_score = ranked[0][1]
    for pid, score in ranked:
        entry = gz.get(pid)
        if entry and entry.kind != "country" and score >= top_score / 2:
            return pid, score
    return ranked[0]


def place_fields(found: ArticlePlaces) -> dict[str, Any]:
    """The Article fields: `places`, `main_place` (None when the article is about no place in particular) and
    `location`, the main place's point."""
    main = found.main
    return {
        "places": [_ref(p) for p in found.places],
        "main_place": _ref(main) if main else None,
        "location": {"lat": main.lat, "lon": main.lon} if main else None,
    }


def _ref(place: Place) -> dict[str, str]:
    return {"id": place.id, "name_ar": place.name_ar, "name_en": place.name_en, "country": place.country}


def _place(entry: gaz.Entry | None, score: float) -> Place:
    assert entry is not None
    return Place(
        id=entry.id,
        name_ar=entry.name_ar,
        name_en=entry.name_en,
        country=entry.country,
        lat=entry.lat,
        lon=entry.lon,
        score=round(score, 2),
    )


@functools.cache
def place_names() -> dict[str, str]:
    """Place id -> the name a reader expects (Arabic, else English), for facets and filters."""
    return {pid: entry.name_ar or entry.name_en for pid, entry in gaz.default().entries.items()}
