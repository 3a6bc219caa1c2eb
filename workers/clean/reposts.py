"""The original outlet of a reposted article.

Evidence, strongest first: the aggregator's "مصدر الخبر / بوابة الوسط" line, a short "المصدر: ..."
credit, "نقلاً عن ..." credits, the agency tag of the dateline ("(وال)") and an agency named in
the opening. ``find_source_outlet`` returns the name as written; ``outlet_slug`` maps well-known
Libyan outlets to registry slugs and passes unknown names through unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .bylines import AGENCY_KEYS, Dateline, is_place
from .textutil import clean_ws, phrase_key

_ALIASES_BY_SLUG: dict[str, tuple[str, ...]] = {
    "alwasat": ("بوابة الوسط", "بوابة الوسط الليبية", "الوسط", "صحيفة الوسط", "جريدة الوسط", "الوسط الليبية",
                "alwasat", "alwasat.ly", "al wasat", "Alwasat News"),
    # JANA / "أوج" (وكالة الجماهيرية للأنباء) was LANA's name before 2011
    "lana": ("وال", "وكالة الأنباء الليبية", "أوج", "وكالة الجماهيرية للأنباء", "JANA", "Jamahiriya News Agency", "وكالة الانباء الليبية وال", "وكالة الأنباء الليبية (وال)", "lana",
             "lana.gov.ly", "Libyan News Agency", "LANA"),
    "eanlibya": ("عين ليبيا", "موقع عين ليبيا", "eanlibya", "ean libya", "eanlibya.com"),
    "almarsad": ("المرصد", "صحيفة المرصد", "المرصد الليبي", "almarsad", "almarsad.co", "al marsad"),
    "218tv": ("قناة 218", "218", "218 tv", "218tv", "218tv.net", "قناة 218 الإخبارية", "218 نيوز", "قناة ٢١٨"),
    "libyaalahrar": ("ليبيا الأحرار", "قناة ليبيا الأحرار", "libya alahrar", "libyaalahrar", "libyaalahrar.ly"),
    "akhbarlibya24": ("أخبار ليبيا 24", "اخبار ليبيا 24", "akhbarlibya24", "akhbar libya 24", "akhbarlibya24.net"),
    "libyaalaan": ("ليبيا الآن", "ليبيا الان", "libyaalaan", "libya alaan", "libyaalaan.com"),
    "afrigatenews": ("بوابة أفريقيا الإخبارية", "بوابة افريقيا الاخبارية", "بوابة إفريقيا الإخبارية", "بوابة أفريقيا",
                     "afrigatenews", "afrigate", "afrigatenews.net"),
    "alsaaa24": ("الساعة 24", "الساعة24", "alsaaa24", "alsaaa24.com"),
}  # fmt: skip
OUTLET_ALIASES: dict[str, str] = {
    phrase_key(alias): slug for slug, aliases in _ALIASES_BY_SLUG.items() for alias in (*aliases, slug)
}
_STRIP_PREFIX = re.compile(r"^(?:موقع|صحيفه|جريده|قناه|وكاله|بوابه|منصه|شبكه|www)\s+")
_STRIP_SUFFIX = re.compile(
    r"\s+(?:الاخباريه|الاخباري|الليبيه|الليبي|الالكترونيه|الالكتروني|نت|net|com|ly|tv)$"
)


_PREFIX_ALIASES = sorted(
    (k for k in OUTLET_ALIASES if len(k) >= 5 and not k.isdigit()), key=len, reverse=True
)


def known_outlet(name: str | None, *, prefix: bool = True) -> str | None:
    """The registry slug of a well-known Libyan outlet name (any common spelling), else None.

    Also matches names that start with a known name ("بوابة الوسط الليبية", "المرصد الإخباري")."""
    if not name:
        return None
    key = phrase_key(name)
    if key in OUTLET_ALIASES:
        return OUTLET_ALIASES[key]
    stripped = key
    for _ in range(2):
        stripped = _STRIP_SUFFIX.sub("", _STRIP_PREFIX.sub("", stripped))
        if stripped in OUTLET_ALIASES:
            return OUTLET_ALIASES[stripped]
    for alias in _PREFIX_ALIASES if prefix else ():
        if key.startswith(alias + " "):
            return OUTLET_ALIASES[alias]
    return None


_REGISTRY_SLUGS: dict[int, tuple[object, dict[str, str]]] = {}


def _registry_by_known_slug(registry: object) -> dict[str, str]:
    """Alias-table slug -> registry slug, for registry outlets whose names the alias table knows
    (so "وال" finds the registry's LANA entry whatever its slug)."""
    cached = _REGISTRY_SLUGS.get(id(registry))
    if cached is not None and cached[0] is registry:
        return cached[1]
    mapping: dict[str, str] = {}
    ambiguous: set[str] = set()
    try:
        outlets = list(registry)  # type: ignore[call-overload]
    except TypeError:
        outlets = []
    for entry in outlets:
        slug = getattr(entry, "name", None)
        if not isinstance(slug, str):
            continue
        names = [slug, getattr(entry, "name_ar", None), getattr(entry, "name_en", None)]
        names += list(getattr(entry, "aliases", ()) or ())
        known = {k for k in (known_outlet(n) for n in names if isinstance(n, str)) if k}
        for key in known:
            if key == slug:
                mapping[key] = slug  # an entry named like the alias-table slug wins
                ambiguous.discard(key)
            elif key in mapping and mapping[key] != slug and mapping[key] != key:
                ambiguous.add(key)
            else:
                mapping.setdefault(key, slug)
    for key in ambiguous:
        mapping.pop(key, None)
    if len(_REGISTRY_SLUGS) > 8:
        _REGISTRY_SLUGS.clear()
    _REGISTRY_SLUGS[id(registry)] = (registry, mapping)
    return mapping


def resolve_outlet(name: str, registry: object | None = None) -> str:
    """Slug for an outlet name: the outlet registry first (``registry.find_by_alias(name)``, e.g.
    akhbar.core.registry.Registry, which knows user-added outlets), then the built-in alias table
    (mapped back onto the registry's entry for that outlet when there is one); unknown names pass
    through unchanged."""
    finder = getattr(registry, "find_by_alias", None)
    if finder is not None:
        found = finder(name)
        slug = getattr(found, "name", None) if found is not None else None
        if isinstance(slug, str) and slug:
            return slug
    known = known_outlet(name)
    if known is None:
        return name
    if registry is not None:
        return _registry_by_known_slug(registry).get(known, known)
    return known


def outlet_slug(name: str) -> str:
    """Slug for a known outlet name; unknown names pass through unchanged."""
    return known_outlet(name) or name


def outlet_names() -> list[str]:
    """Every alias written out (for boilerplate credit detection)."""
    return [alias for aliases in _ALIASES_BY_SLUG.values() for alias in aliases]


# Patterns on raw text (hamza variants spelled out as classes so the name can be cut as written).
_CUT = r"(?P<name>[^\n.،,:;|()\[\]«»\"]{2,60}?)\s*(?:[.،,:;|)\]»\"]|$|\s+-\s+|\s+(?:هنا|من هنا)\b)"
_AGGREGATOR = re.compile(r"مصدر\s+ال[خح]بر\s*[:/|\\\-–—]+\s*" + _CUT)
_READ_AT_SOURCE = re.compile(
    r"يمكنك\s+[اأإ]?يض[اًا]*\s+قراء[ةه]\s+ال[خح]بر\s+في\s+المصدر\s+من\s+(?:خلال\s+)?(?!هنا|الرابط|هذا)" + _CUT
)
_SOURCE_LINE = re.compile(r"^\s*[(\[]?\s*(?:ال)?مصدر\s*[:/|\\\-–—]+\s*" + _CUT)
_NAQLAN = re.compile(r"نقل[اًا]*\s+عن\s+(?:موقع\s+|صحيفة\s+|قناة\s+|وكالة\s+(?=[^ا]))?" + _CUT)
_LANA_PHRASE = re.compile(r"وكال[ةه]\s+ال[أا]نباء\s+الليبي[ةه]")
_LANA_TAG = re.compile(r"[(（]\s*وال\s*[)）]")
_CREDIT_AFTER_DATELINE = re.compile(r"\s*(?P<name>[^:\-–—|،,.]{2,40}?)\s*[:\-–—|]")
_SHORT_LINE_WORDS = 12
_NON_NAMES = frozenset(phrase_key(w) for w in ("هنا", "الرابط", "المصدر", "مصادر", "مصدر", "الخبر", "رابط"))


def _clean_name(name: str) -> str | None:
    name = clean_ws(name).strip(" -–—/\\|:.،,")
    key = phrase_key(name)
    if not key or key in _NON_NAMES or len(key.split()) > 6:
        return None
    return name


def find_source_outlet(
    paragraphs: Iterable[str],
    *,
    extra_lines: Iterable[str] = (),
    dateline: Dateline | None = None,
) -> str | None:
    """The original outlet named by a repost, as written (None when the page names none).

    ``paragraphs`` is the article text before boilerplate removal; ``extra_lines`` are texts of
    blocks removed from the HTML (aggregator boxes often sit outside the article body)."""
    paragraphs = [p for p in paragraphs if p]
    lines = [clean_ws(line) for line in (*extra_lines, *paragraphs) if line and line.strip()]

    for line in lines:  # 1. aggregator lines
        for pattern in (_AGGREGATOR, _READ_AT_SOURCE):
            match = pattern.search(line)
            if match and (name := _clean_name(match["name"])):
                return name
    for line in lines:  # 2. short "المصدر: ..." credits
        if len(line.split()) <= _SHORT_LINE_WORDS:
            match = _SOURCE_LINE.match(line)
            if match and (name := _clean_name(match["name"])):
                return name
    for line in lines:  # 3. "نقلاً عن ..." — any name in a short credit line, known outlets anywhere
        for match in _NAQLAN.finditer(line):
            name = _clean_name(match["name"])
            if name and len(line.split()) <= _SHORT_LINE_WORDS:
                return name
            words = clean_ws(match["name"]).split()
            for size in range(min(len(words), 5), 0, -1):
                if known_outlet(" ".join(words[:size]), prefix=False):
                    return " ".join(words[:size])
    if dateline is not None and dateline.agency:  # 4. dateline agency "(وال)", not "(ليبيا)"
        name = _clean_name(dateline.agency)
        if name and (known_outlet(name) or not is_place(name)):
            return name
    if dateline is not None and paragraphs:  # 4b. "بنغازي - بوابة الوسط: ..." credit after the dateline
        after = paragraphs[0][dateline.end : dateline.end + 60]
        match = _CREDIT_AFTER_DATELINE.match(after)
        # "الخرطوم - وال: ..." is an agency byline (its author), not a repost credit
        if match and known_outlet(match["name"]) and phrase_key(match["name"]) not in AGENCY_KEYS:
            return clean_ws(match["name"])
    opening = paragraphs[0][:160] if paragraphs else ""
    credits = [opening] + [p for p in paragraphs[-2:] if len(p.split()) <= _SHORT_LINE_WORDS]
    for text in credits:  # 5. agency tag / name in the opening or a closing credit
        if _LANA_TAG.search(text):
            return "وال"
        match = _LANA_PHRASE.search(text)
        if match:
            return match[0]
    return None


def source_outlet(
    paragraphs: Iterable[str],
    *,
    extra_lines: Iterable[str] = (),
    dateline: Dateline | None = None,
    outlet: str | None = None,
    own_names: Iterable[str] = (),
    registry: object | None = None,
) -> str | None:
    """Contract value: slug of the original outlet (or its name when unknown); None when the page
    names none or names the publishing outlet itself (``outlet`` slug, or one of ``own_names``,
    e.g. "بنغازي - بوابة الوسط" on alwasat, "(وال)" on LANA's own site)."""
    name = find_source_outlet(paragraphs, extra_lines=extra_lines, dateline=dateline)
    if name is None:
        return None
    slug = resolve_outlet(name, registry)
    if outlet and slug == outlet:
        return None
    own_keys = {phrase_key(n) for n in own_names if n}
    own_known = {known_outlet(n) for n in own_names if n} - {None}
    if phrase_key(name) in own_keys or (known_outlet(name) is not None and known_outlet(name) in own_known):
        return None
    return slug
