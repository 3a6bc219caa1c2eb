"""Authors (bylines, JSON-LD/meta) and datelines (the city opening a news story).

Bylines: "كتب: فلان", "كتب - فلان", "بقلم فلان", "بقلم: فلان", "تقرير: فلان", "إعداد: فلان",
"By John Smith". A byline is only accepted as a short line of its own (or the head of a
paragraph, before a dash), so sentences that start with the verb "كتب" are left alone.

Datelines: "طرابلس 15 فبراير 2018 (وال) -", "بنغازي - ", "طرابلس | ", "TRIPOLI, Feb 15 (Reuters) -".
The city is accepted when it is a known place, or when the opening also carries a date or an
agency tag (what makes it a dateline rather than a sentence).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .textutil import clean_ws, phrase_key

# --- datelines ---------------------------------------------------------------------------------
# Places that open Libyan news stories (phrase_key form: hamza folded, ة→ه, ى→ي).
_PLACES = frozenset(
    phrase_key(p)
    for p in (
        "طرابلس", "بنغازي", "مصراتة", "مصراته", "سبها", "الزاوية", "البيضاء", "درنة", "طبرق", "سرت", "الخمس",
        "زليتن", "غريان", "زوارة", "صبراتة", "ترهونة", "بني وليد", "اجدابيا", "أجدابيا", "المرج", "الكفرة",
        "غات", "أوباري", "اوباري", "مرزق", "هون", "ودان", "الجفرة", "يفرن", "نالوت", "غدامس", "الزنتان", "جادو",
        "الأبيار", "شحات", "توكرة", "القبة", "براك", "براك الشاطئ", "العجيلات", "صرمان", "جنزور", "تاجوراء",
        "القره بوللي", "مسلاتة", "رأس لانوف", "البريقة", "الزويتينة", "الجميل", "رقدالين", "العزيزية",
        "ككلة", "الأصابعة", "قصر الأخيار", "الكفرة", "تازربو", "جالو", "أوجلة", "الواحات", "سوكنة", "الشويرف",
        "القطرون", "تراغن", "أم الأرانب", "غدوة", "وادي الشاطئ", "وادي الحياة", "الرجبان", "كاباو", "تيجي",
        "الجبل الأخضر", "الجبل الغربي", "سوسة", "المرج", "قمينس", "سلوق", "الأبرق", "راس جدير", "رأس اجدير",
        "ليبيا", "الجنوب الليبي", "فزان", "برقة",
        "القاهرة", "تونس", "الجزائر", "الرباط", "الخرطوم", "نيامي", "انجامينا", "نجامينا", "روما", "باريس",
        "لندن", "واشنطن", "نيويورك", "موسكو", "أنقرة", "إسطنبول", "اسطنبول", "جنيف", "برلين", "بروكسل",
        "الدوحة", "أبوظبي", "ابوظبي", "دبي", "الرياض", "عمان", "بيروت", "دمشق", "بغداد", "فاليتا", "مالطا",
        "باليرمو", "مدريد", "أثينا", "الصخيرات", "غدامس", "بوزنيقة", "طنجة", "الأمم المتحدة", "نيودلهي",
        "بكين", "طهران", "القدس", "غزة", "رام الله", "عواصم",
    )
)  # fmt: skip
_AR_WORD = r"[\u0621-\u064a\u0671-\u06d3\u0640\u064b-\u0652]+"
_SEP = r"[-–—|:]"
_DATELINE_AR = re.compile(
    r"^\s*(?P<city>" + _AR_WORD + r"(?:\s+" + _AR_WORD + r"){0,2}?)"
    r"(?:\s*[(（](?P<paren>[^()（）]{1,30})[)）])?"
    r"(?:\s*[,،]?\s*(?P<date>(?:(?:يوم\s+)?(?:السبت|الأحد|الاحد|الإثنين|الاثنين|الثلاثاء|الأربعاء|الاربعاء|الخميس|الجمعة)"
    r"\s*[,،]?\s*)?[\d\u0660-\u0669][^-–—|:()（）\n]{0,40}?))?"
    r"(?:\s*[(（](?P<agency>[^()（）]{1,40})[)）])?"
    r"\s*" + _SEP + r"+\s*"
)
_DATELINE_EN = re.compile(
    r"^\s*(?P<city>[A-Z][A-Z.'-]+(?:\s+[A-Z][A-Z.'-]+){0,2})(?:,\s*(?P<paren>(?!(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec))[A-Z][a-z]+))?"
    r"(?:,?\s*(?P<date>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:,?\s+\d{4})?))?"
    r"(?:\s*\((?P<agency>[^()]{1,40})\))?\s*[-–—]+\s*"
)
_NOT_CITIES = frozenset(
    phrase_key(w)
    for w in (
        "كتب", "كتبت", "بقلم", "تقرير", "إعداد", "اعداد", "تحقيق", "حوار", "ترجمة", "متابعة", "تحرير", "تصوير",
        "المصدر", "مصدر الخبر", "اقرأ أيضا", "قال", "أكد", "اكد", "أعلن", "اعلن", "ذكر", "أفاد", "صورة", "الصورة",
        "عاجل", "خاص", "تنويه", "ملاحظة", "تحديث", "فيديو", "بالفيديو", "بالصور", "شاهد", "انفوغراف",
        "السبت", "الأحد", "الاثنين", "الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "يوم", "اليوم",
        "أمس", "منذ", "تاريخ", "التاريخ", "نشر", "نشر في", "آخر تحديث",
    )
)  # fmt: skip


def is_place(name: str) -> bool:
    """True for places known to open Libyan news datelines, or named in the gazetteer."""
    return phrase_key(name) in _PLACES or _gazetteer_place(name)


@dataclass(frozen=True)
class Dateline:
    city: str
    date_text: str | None
    agency: str | None
    end: int  # offset in the text where the story proper starts


def parse_dateline(text: str | None) -> Dateline | None:
    """The dateline at the start of a story: city as written, date text, agency tag."""
    if not text:
        return None
    head = text[:200]
    match = _DATELINE_AR.match(head)
    if match:
        city = clean_ws(match["city"])
        key = phrase_key(city)
        date_text = clean_ws(match["date"]) or None
        agency = clean_ws(match["agency"] or "") or None
        paren = clean_ws(match["paren"] or "") or None
        if agency is None and paren is not None and date_text is None:
            # "طرابلس (وال) -": the parenthesis is the agency, not a country
            agency = paren
        if not key or key in _NOT_CITIES or key.split()[0] in _NOT_CITIES:
            return None
        known = key in _PLACES or _gazetteer_place(city)
        if known or ((date_text or agency) and len(key.split()) <= 2):
            return Dateline(city=city, date_text=date_text, agency=agency, end=match.end())
        return None
    match = _DATELINE_EN.match(head)
    if match:
        return Dateline(
            city=match["city"].title(),
            date_text=match["date"],
            agency=match["agency"],
            end=match.end(),
        )
    return None


# --- bylines -----------------------------------------------------------------------------------
_ROLE_NOUNS = r"(?:تقرير|تحقيق|حوار|[إا]عداد|ترجمة|تحرير|متابعة|تصوير|رصد)"
_ROLE_CHAIN = _ROLE_NOUNS + r"(?:\s+و" + _ROLE_NOUNS + r")*"
# "مراسلنا في بنغازي", "بنغازي - مراسلنا سالم العبيدي": a role, then a place or a name
_CORRESPONDENT = r"مراسل(?:نا|تنا|ة|ه)?|موفد(?:نا)?|correspondent"
_BYLINE_AR = re.compile(
    r"^\s*[(\[]?\s*(?:"
    r"(?:كتب|كتبت|كتبه|كتبها)\s*[:：\-–—|]"  # كتب needs a separator: "كتب الرئيس في..." is prose
    r"|بقلم\s*[:：\-–—]?"
    r"|" + _ROLE_CHAIN + r"\s*[:：\-–—|]"  # "إعداد وتحرير:", "تقرير وتصوير -"
    r")\s*(?P<names>[^\n]{2,120}?)\s*[)\]]?\s*$"
)
_BYLINE_EN = re.compile(
    r"^\s*(?:(?:Written|Posted|Story|Words|Text|Reported|WRITTEN|POSTED)\s+)?(?:By|BY|by)\s+(?P<names>[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3}"
    r"(?:\s*(?:,|and|&)\s*[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3})*)"
    r"\s*(?:$|[|\-–—]\s.*$|(?:on|updated|published)\b.*$|\d.*$)"
)
_NAME_SPLIT = re.compile(r"\s*(?:[,،&/]|\s+و\s+|\s+and\s+)\s*")
# "نور الهدى وسالم علي": the conjunction و is written joined to the next name. Names that start
# with و themselves must not be split.
_JOINED_AND = re.compile(r"\s+و(?=[\u0621-\u064a])")
_WAW_NAMES = frozenset(
    phrase_key(n)
    for n in (
        "وائل", "وليد", "وفاء", "وجدي", "وسام", "وداد", "وهيبة", "وحيد", "وصفي", "وديع", "وديعة", "وعد", "ولاء",
        "وهبي", "وهبة", "ورد", "وردة", "وصال", "وفيق", "وئام", "وجيه", "وجيهة", "وضاح", "ونيس", "وناس", "وهيب",
        "ودود", "والي", "وافي", "ورفلي", "الورفلي", "وطني", "وسيم", "وسيمة", "وهاج", "وزير",
    )
)  # fmt: skip


def _split_joined_and(name: str) -> list[str]:
    """Split "نور الهدى وسالم علي" into two names when both halves look like full names."""
    for match in _JOINED_AND.finditer(name):
        left, right = name[: match.start()].strip(), name[match.end() :].strip()
        first_right = right.split()[0] if right else ""
        if (
            len(left.split()) >= 2
            and len(right.split()) >= 2
            and phrase_key("و" + first_right) not in _WAW_NAMES
        ):
            return [left, *_split_joined_and(right)]
    return [name]


_NAME_TAIL = re.compile(r"\s*[-–—|:]\s*.*$")
# a byline line often carries the date too: "كتب: فلان الثلاثاء 2 مايو 2017 - 11:25"
_NAME_STOP = re.compile(
    r"\s+(?:(?:يوم\s+)?(?:السبت|الأحد|الاحد|الإثنين|الاثنين|الثلاثاء|الأربعاء|الاربعاء|الخميس|الجمعة)"
    r"|(?:منذ|نشر|بتاريخ|في)\s+[\d\u0660-\u0669]|[\d\u0660-\u0669]|(?:on|updated|published)\s|\d).*$",
)
_GENERIC_AUTHORS = frozenset(
    phrase_key(n)
    for n in (
        "admin", "administrator", "editor", "editorial", "staff", "newsroom", "webmaster", "root", "user",
        "المحرر", "محرر", "التحرير", "هيئة التحرير", "فريق التحرير", "أسرة التحرير", "الكاتب", "مراسلنا",
        "المراسل", "قسم الأخبار", "غرفة الأخبار", "فريق الموقع", "إدارة الموقع", "ادارة الموقع", "مشرف",
        "غير معرف", "غير معروف", "unknown", "anonymous",
    )
)  # fmt: skip
# "بواسطة" (by), alone or after a verb ("نشر بواسطة", "أرسلها بواسطة"): a role word in every byline pattern
_BY_MEANS = r"(?:(?:كتب|كتبت|نشر|نشرت|أرسل|أرسلت|ارسل|ارسلت|أرسلها|ارسلها)\s+)?بواسطة"
_PREFIXES = re.compile(
    r"^\s*(?:" + _BY_MEANS + r"|by|بقلم|كتب|كتبت|الكاتب|الكاتبة|الصحفي|الصحفية|الإعلامي|الاعلامي|"
    + _CORRESPONDENT
    + r")\s*[:：\-–—]?\s+",
    re.I,
)
_MAX_NAME_WORDS = 5


@lru_cache(maxsize=32)
def _excluded_keys(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(phrase_key(n) for n in names if n)


def clean_author_names(names: Iterable[str], *, exclude: Iterable[str] = ()) -> list[str]:
    """Split, trim and filter author strings: drops generic names ("admin", "فريق التحرير"),
    outlet names given in ``exclude``, URLs, e-mails and anything too long to be a name."""
    excluded = _excluded_keys(tuple(exclude))
    out: list[str] = []
    seen: set[str] = set()
    for raw in names:
        if not raw or "://" in raw or "www." in raw or "@" in raw:
            continue
        # "الرياض - واس" -> "واس", "الدمام" -> nothing: a place is a dateline, not an author
        named = split_byline(raw).authors
        parts = [
            piece
            for text in named
            for part in _NAME_SPLIT.split(clean_ws(text))
            for piece in _split_joined_and(part)
        ]
        for part in parts:
            name = _PREFIXES.sub("", part).strip(" .،,:;-–—|()[]\"'«»")
            key = phrase_key(name)
            if not key or key in seen or key in _GENERIC_AUTHORS or key in excluded:
                continue
            if "@" in name or "://" in name or "www." in name or any(ch.isdigit() for ch in name):
                continue
            if len(key.split()) > _MAX_NAME_WORDS or len(name) > 60 or len(name) < 2:
                continue
            seen.add(key)
            out.append(name)
    return out


def parse_byline(text: str | None) -> list[str] | None:
    """Authors if ``text`` is a byline line ("كتب: فلان", "بقلم فلان", "By Jane Doe"), else None."""
    if not text:
        return None
    line = clean_ws(text)
    if len(line) > 140:
        return None
    match = _BYLINE_AR.match(line) or _BYLINE_EN.match(line)
    if not match:
        return None
    names = _NAME_TAIL.sub("", _NAME_STOP.sub("", match["names"]))  # "كتب: فلان - طرابلس" -> "فلان"
    authors = clean_author_names([names])
    if not authors or sum(len(a.split()) for a in authors) > 3 * _MAX_NAME_WORDS:
        return None
    # "By John Smith and Jane Doe, Reuters": the agency after the people is their employer's credit
    return [a for a in authors if phrase_key(a) not in _AGENCIES] or authors


def find_bylines(paragraphs: list[str], *, head: int = 3, tail: int = 2) -> tuple[list[str], set[int]]:
    """Bylines among the first ``head`` and last ``tail`` paragraphs.

    Returns (authors, indexes of byline-only paragraphs to drop from the body)."""
    authors: list[str] = []
    drop: set[int] = set()
    indexes = list(range(min(head, len(paragraphs))))
    indexes += [i for i in range(max(len(paragraphs) - tail, 0), len(paragraphs)) if i not in indexes]
    for index in indexes:
        found = parse_byline(paragraphs[index])
        if found is None and index < head:
            found = byline_line(paragraphs[index], following=paragraphs[index + 1 : index + 2])
        if found is not None:
            authors.extend(a for a in found if a not in authors)
            drop.add(index)
    return authors, drop


_SENTENCE_END = re.compile(r"[.!?؟…]\s*$")
_NAME_ONLY = re.compile(r"^[\u0621-\u064a]{2,}(?:\s+[\u0621-\u064a]{2,}){1,2}$")
_BYLINE_MAX_WORDS = 8
_STORY_WORDS = 15  # a bare name line is a byline only when a paragraph of the story follows it


def byline_line(text: str, *, following: list[str] = ()) -> list[str] | None:  # type: ignore[assignment]
    """Authors of a byline that stands on its own line at the head of a story without a role word:
    "الرياض - واس", "جدة: واس", "خالد الزايدي (بغداد)", "بنغازي: خاص" ([]: a dateline, no one),
    "كونا", or a bare two- or three-word name right before the story ("ليلى المغربي").

    None when the line is not a byline. Places are read by ``split_byline`` (the gazetteer), so a
    short sentence is not taken for a byline: it must name a place beside its author, or an agency."""
    line = clean_ws(text)
    if not line or len(line) > 80 or len(line.split()) > _BYLINE_MAX_WORDS or _SENTENCE_END.search(line):
        return None
    byline = split_byline(line)
    keys = [phrase_key(a) for a in byline.authors]
    if any(len(k.split()) > 4 for k in keys) or len(keys) > 2:
        return None
    if any(k in _AGENCIES for k in keys) and all(k in _AGENCIES or len(k.split()) <= 3 for k in keys):
        return clean_author_names(byline.authors)
    if keys and _ROLE_IN.search(line):  # "كاثرين نيكولاس؛ ترجمة- محمد الضبع": the writer first
        return clean_author_names(byline.authors)
    if _CORRESPONDENT_LINE.match(line):  # "مراسلنا في بنغازي" ([]: a role and a place, no one named)
        return clean_author_names(byline.authors)
    if byline.places and (keys or _NO_ONE_IN.search(phrase_key(line))):
        return clean_author_names(byline.authors)
    story_follows = bool(following) and len(following[0].split()) >= _STORY_WORDS
    if (
        story_follows
        and not byline.places
        and _NAME_ONLY.match(line)
        and phrase_key(line) not in _GENERIC_AUTHORS
        and line.split()[0] not in _NOT_CITIES
        and not is_place(line)
    ):
        return clean_author_names([line]) or None
    return None


_CORRESPONDENT_LINE = re.compile(r"^(?:" + _CORRESPONDENT + r")(?:\s|$)", re.I)
_ROLE_IN = re.compile(r"[؛;|]\s*(?:ترجمة|[إا]عداد|تصوير|تحرير|مراجعة)\s*[:：\-–—]")
_NO_ONE_IN = re.compile(r"(?:^|\s|[:\-–—])(?:خاص|متابعات|وكالات)(?:$|\s)")
_WHO = re.compile(r"^\s*(?P<who>[^:：\n.،,؟!?]{2,40}?)\s*[:：]\s*(?=\S)")


def dateline_author(text: str, dateline: Dateline) -> list[str]:
    """The person or agency right after a dateline's place, before a colon:
    "الرياض - واس: ..." -> ["واس"], "الكويت - خالد الزايدي: ..." -> ["خالد الزايدي"]."""
    match = _WHO.match(text[dateline.end : dateline.end + 60])
    if not match:
        return []
    who = _PREFIXES.sub("", clean_ws(match["who"]).strip(" -–—"))  # "الكويت - مراسلنا فلان: ..."
    key = phrase_key(who)
    if key in _AGENCIES:
        return [who]
    words = key.split()
    if not 2 <= len(words) <= 3 or words[0] in _NOT_CITIES or _NO_ONE.match(key) or is_place(who):
        return []
    return clean_author_names([who])


# --- mixed bylines: a place with a person or agency ----------------------------------------------
# "الرياض - واس", "جدة: واس", "عكاظ (بغداد، عمان)", "خالد سجاف - الدمام", "واس (جدة)",
# "«الاقتصادية» من الرياض", "كاثرين نيكولاس؛ ترجمة- محمد الضبع". The person or agency is the
# author and the place is the dateline. A segment is a place when the gazetteer knows it (not by
# its position); agency abbreviations are authors.
_AGENCIES = frozenset(
    phrase_key(a)
    for a in (
        "واس", "وال", "د ب أ", "د.ب.أ", "أ ف ب", "ا ف ب", "أ.ف.ب", "رويترز", "قنا", "وام", "كونا", "الأناضول",
        "الاناضول", "يو بي اي", "يو بي آي", "بنا", "سانا", "معا", "وفا", "أ ش أ", "ا ش ا", "شينخوا", "سبأ", "العمانية",
        "الأسوشيتد برس", "اسوشيتد برس", "أسوشيتد برس", "Reuters", "AFP", "AP", "dpa", "SPA", "LANA", "Anadolu",
    )
)  # fmt: skip
AGENCY_KEYS = _AGENCIES  # phrase_key form
# credits that name no one: "متابعات", "وكالات", "مكتب الجزيرة"
_NO_ONE = re.compile(r"^(?:متابعات|متابعه|وكالات|الوكالات|خاص|مكتب\s.*|staff|agencies)$", re.I)
# the role of a byline segment, not a name
_ROLE_WORDS = _BY_MEANS + r"|كتب|كتبت|بقلم|" + _ROLE_CHAIN + r"|خاص|" + _CORRESPONDENT
_ROLE = re.compile(r"^\s*(?:" + _ROLE_WORDS + r")\s*[:：\-–—]?\s*(?=\S)")
# segment separators: dashes with a space on either side (or any dash in Arabic text), colons,
# semicolons, the tatweel-dash "ـ" between spaces, pipes; " من " before a place ("... من الرياض")
_ROLE_ONLY = re.compile(r"^(?:" + _ROLE_WORDS + r"|by)$", re.I)
_SEGMENT_SPLIT = re.compile(r"\s*(?:[:：؛;|]|\s[-–—ـ]+\s?|[-–—]+\s|(?<=[\u0600-\u06ff])[-–—]+)\s*")
_FROM_PLACE = re.compile(r"\s+من\s+(?=\S+(?:\s+\S+)?\s*$)")
_PARENS = re.compile(r"[(（]([^()（）]*)[)）]")
_AT_PLACE = re.compile(r"^(?:في|من|in)\s+", re.I)
_QUOTES = str.maketrans("", "", "«»\"“”'")


@dataclass(frozen=True)
class Byline:
    authors: list[str]
    place: str | None  # the dateline place as written (the first place when there are several)
    places: list[str]


def _places_in(segment: str) -> list[str] | None:
    """The places in a segment ("بغداد، عمان", "القاهرة/الإسماعيلية", "بنغازي (ليبيا)") when it holds only places."""
    # "القاهرة/الإسماعيلية": agencies put a slash between the places of a story told from two
    parts = [p.strip() for p in re.split(r"[,،/]|\s+و(?=\S)", _PARENS.sub(lambda m: "،" + m[1], segment))]
    parts = [p for p in parts if p]
    if parts and all(_is_place_name(p) for p in parts):
        return parts
    return None


def _is_place_name(text: str) -> bool:
    key = phrase_key(text)
    if not key or key in _AGENCIES or len(key.split()) > 4:
        return False
    return key in _PLACES or _gazetteer_place(text)


def _gazetteer_place(text: str) -> bool:
    from .gazetteer import default  # imported late: loading the gazetteer costs a few ms

    return default().is_place(text)


def split_byline(text: str | None) -> Byline:
    """Authors and the dateline place of a byline that may mix them (see the examples above).

    Commas inside parentheses never split names: "عكاظ (بغداد، عمان)" is one author, two places."""
    line = clean_ws((text or "").translate(_QUOTES)).strip(" :：.-–—")
    if not line or len(line) > 160:
        return Byline([], None, [])
    authors: list[str] = []
    places: list[str] = []
    paren_places: list[str] = []
    # parentheses: places ("(جدة)", "(بغداد، عمان)", "(ليبيا)") or an agency tag ("(د ب أ)")
    for inner in _PARENS.findall(line):
        found = _places_in(inner)
        if found:
            paren_places.extend(found)
        elif inner.strip():
            authors.append(inner.strip())
    outside = _PARENS.sub(" ", line)
    segments = [s for s in _SEGMENT_SPLIT.split(outside) if s and s.strip(" -–—ـ")]
    for raw in segments:
        stripped = raw.strip(" -–—ـ")
        if _ROLE_ONLY.match(stripped):
            continue  # "ترجمة- محمد الضبع" split at the dash, "إعداد وتحرير: ...": the role words alone
        segment = _ROLE.sub("", stripped).strip()
        if _ROLE_ONLY.match(segment):
            continue
        if (at := _AT_PLACE.match(segment)) and _places_in(segment[at.end():]):
            segment = segment[at.end():]  # "مراسلنا في بنغازي": the role went, the place stays
        head, *tail = _FROM_PLACE.split(segment, maxsplit=1)
        places_before = _places_in(tail[0]) if tail else None
        if places_before:
            segment = head.strip()
        places_before = places_before or []
        found = _places_in(segment) if segment else None
        if found and not ((places or paren_places) and phrase_key(segment) in _OUTLET_CITIES):
            places.extend(found)
        elif segment and not _NO_ONE.match(phrase_key(segment)):
            authors.append(segment)
        places.extend(places_before)
    places += paren_places  # "بنغازي (ليبيا)": the city before the country in parentheses
    if not authors and len(places) > 1 and phrase_key(places[-1]) in _OUTLET_CITIES:
        authors.append(places.pop())  # "دبي - الرياض": the newspaper الرياض, datelined دبي
    return Byline(authors, places[0] if places else None, places)


# newspapers named after a city: a city-named segment after a place is the paper
_OUTLET_CITIES = frozenset(phrase_key(n) for n in ("الرياض", "المدينة", "اليوم", "الجزيرة", "البلاد", "عكاظ"))


def byline_place(raw_bylines: Iterable[str]) -> str | None:
    """The first place named in raw author strings (a dateline fallback)."""
    for raw in raw_bylines:
        if raw and (place := split_byline(raw).place):
            return place
    return None


def byline_places(raw_bylines: Iterable[str]) -> list[str]:
    """Every place named in raw author strings, in order ("عكاظ (بغداد، عمان)": بغداد and عمان): the byline
    names them as places, so they are the article's places too (issue 23)."""
    found: list[str] = []
    for raw in raw_bylines:
        for place in split_byline(raw).places if raw else ():
            if place not in found:
                found.append(place)
    return found
