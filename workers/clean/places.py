"""Places an article is about: a pure function over title, body and dateline, with the gazetteer.

How a place earns its score (weights per mention): named in the title 3, in the lead (the first
300 characters of the body) 2, further down 1, in the dateline 1. A place is kept when its score
reaches 2: a title or lead mention, or two mentions further down. A background mention deep in
the body ("the capital has been held by militias since...") stays out. A kept city or region brings
its country along (the article is about Libya when it is about Sabha).

Names shared by several places ("طرابلس": Libya or Lebanon; "عمان": Oman or Amman) go to the
candidate with the most evidence: its prior (Libyan places first, then size), plus the article's
other unambiguous places in the same country, the country's name and demonyms ("اللبناني",
"الليبية"), and the dateline's country. "طرابلس الغرب" and "طرابلس الشام" are names of their own
in the gazetteer.

The first place returned is the main place (for a geo_point): the best-scoring city, region or
site unless a country clearly outweighs it.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from . import gazetteer as gaz
from .textutil import phrase_key

TITLE, LEAD, BODY, DATELINE = 3.0, 2.0, 1.0, 1.0
KEEP = 2.0
LEAD_CHARS = 300
_COUNTRY_NAME_EVIDENCE, _DEMONYM_EVIDENCE, _PLACE_EVIDENCE, _DATELINE_EVIDENCE = 1.5, 1.0, 1.0, 1.0
_DEMONYM_SCORE = 0.5  # "الجيش الليبي" is about Libya, but weakly: four of them count as a title mention
_MAX_PLACES = 10

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


@dataclass(frozen=True)
class Place:
    id: str
    name_ar: str
    name_en: str
    country: str
    lat: float
    lon: float
    score: float


def tag_places(
    title: str | None,
    body: str | None,
    dateline: str | None = None,
    *,
    gazetteer: gaz.Gazetteer | None = None,
) -> list[Place]:
    """Places the article is about, the main place first, then by score (at most 10)."""
    gz = gazetteer or gaz.default()
    body = body or ""
    parts = [(title or "", TITLE), (body[:LEAD_CHARS], LEAD), (body[LEAD_CHARS:], BODY)]
    found = [(mention, weight) for text, weight in parts for mention in gz.find(text)]
    date_place = gz.lookup(dateline) if dateline else ()

    evidence = _country_evidence(title or "", body, found, date_place)
    scores: dict[str, float] = defaultdict(float)
    for mention, weight in found:
        scores[_resolve(mention.candidates, evidence).id] += weight
    if date_place:
        scores[_resolve(date_place, evidence).id] += DATELINE
    for cc, count in evidence.demonyms.items():
        if gz.get(cc.lower()):
            scores[cc.lower()] += _DEMONYM_SCORE * count

    kept = {pid: score for pid, score in scores.items() if score >= KEEP}
    kept = {pid: score for pid, score in kept.items() if _supported(pid, kept, gz)}
    for pid in list(kept):  # a kept city brings its country
        entry = gz.get(pid)
        if entry and entry.kind != "country" and gz.get(entry.country.lower()):
            country = entry.country.lower()
            kept[country] = max(kept.get(country, 0.0), scores.get(country, 0.0), kept[pid] / 2)
    ranked = sorted(kept.items(), key=lambda item: (-item[1], item[0]))
    main = _main(ranked, gz)
    if main:
        ranked.remove(main)
        ranked.insert(0, main)
    return [_place(gz.get(pid), score) for pid, score in ranked[:_MAX_PLACES] if gz.get(pid)]


@dataclass
class _Evidence:
    countries: dict[str, float]
    demonyms: dict[str, int]


# A foreign town smaller than this needs another place of its country in the article: GeoNames gives
# small towns Arabic names that are also everyday words ("آلاشهر" / "الأشهر", the months).
SMALL_FOREIGN_TOWN = 100_000


def _supported(pid: str, kept: dict[str, float], gz: gaz.Gazetteer) -> bool:
    entry = gz.get(pid)
    if entry is None or entry.country == gaz.LIBYA or entry.kind != "city" or entry.population >= SMALL_FOREIGN_TOWN:
        return True
    return any(other != pid and (o := gz.get(other)) is not None and o.country == entry.country for other in kept)


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
