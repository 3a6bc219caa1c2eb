"""Reading one date expression: Arabic (Egyptian, Levantine and Libyan months, Hijri), relative, ISO.

``parse_arabic_date`` reads one date expression. Hand-written on purpose: dateparser knows the
Egyptian month names but not the Levantine ones (شباط, تشرين الثاني...), not the Libyan
calendar used before 2011 (أي النار ... الكانون, years from the Prophet's death) and not
Hijri dates without an extra converter, and it costs ~1 ms a call. The regexes below cover those
formats exactly; dateparser remains the fallback for other languages (English month names,
"2 hours ago"), and ISO 8601 / RFC 2822 go through the standard library.

Every result is validated (``validate``): never in the future beyond fetched_at + FUTURE_TOLERANCE, never
before the outlet existed. Times without an offset are Africa/Tripoli.
"""

from __future__ import annotations

import email.utils
import logging
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from akhbar.core.text import normalize_arabic
from akhbar.core.times import TRIPOLI

logger = logging.getLogger("akhbar.clean.dates")

DEFAULT_FOUNDED = date(1990, 1, 1)
FUTURE_TOLERANCE = timedelta(hours=3)
DATE_SOURCES = ("json-ld", "meta", "dateline", "text", "url", "feed")
LIBYAN_CALENDAR_OFFSET = 632  # Libyan years count from the Prophet's death (632 CE)

# --- month tables (keys in normalize_arabic form: hamza folded, ة→ه, ى→ي) ---------------------
_GREGORIAN = {
    "يناير": 1, "فبراير": 2, "مارس": 3, "ابريل": 4, "مايو": 5, "يونيو": 6, "يونيه": 6, "يوليو": 7,
    "يوليه": 7, "اغسطس": 8, "سبتمبر": 9, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    # Maghrebi spellings that turn up in Libyan and Tunisian copy
    "جانفي": 1, "فيفري": 2, "افريل": 4, "ماي": 5, "جوان": 6, "جويليه": 7, "اوت": 8,
    "فبرير": 2, "غشت": 8, "شتنبر": 9, "نونبر": 11, "دجنبر": 12, "يوليوز": 7,
}  # fmt: skip
_LEVANTINE = {
    "كانون الثاني": 1, "شباط": 2, "اذار": 3, "نيسان": 4, "ايار": 5, "حزيران": 6, "تموز": 7, "اب": 8,
    "ايلول": 9, "تشرين الاول": 10, "تشرين الثاني": 11, "كانون الاول": 12,
}  # fmt: skip
_LIBYAN = {
    "اي النار": 1, "النوار": 2, "الربيع": 3, "الطير": 4, "الماء": 5, "الما": 5, "الصيف": 6, "ناصر": 7,
    "هانيبال": 8, "هنيبال": 8, "هانيبعل": 8, "الفاتح": 9, "التمور": 10, "الحرث": 11, "الحرت": 11,
    "الكانون": 12,
}  # fmt: skip
_HIJRI = {
    "محرم": 1, "صفر": 2, "ربيع الاول": 3, "ربيع اول": 3, "ربيع الثاني": 4, "ربيع الاخر": 4,
    "ربيع ثاني": 4, "ربيع اخر": 4, "جمادي الاولي": 5, "جمادي الاول": 5, "جمادي الثانيه": 6,
    "جمادي الاخره": 6, "جمادي الاخر": 6, "جمادي الثاني": 6, "رجب": 7, "شعبان": 8, "رمضان": 9, "شوال": 10,
    "ذو القعده": 11, "ذي القعده": 11, "ذو الحجه": 12, "ذي الحجه": 12,
}  # fmt: skip
_MONTHS: dict[str, tuple[str, int]] = {}
for _table, _kind in ((_GREGORIAN, "g"), (_LEVANTINE, "g"), (_LIBYAN, "libyan"), (_HIJRI, "hijri")):
    for _name, _num in _table.items():
        _MONTHS[_name] = (_kind, _num)


# Words that make up date expressions (phrase_key form), for "this line is only a date" checks.
DATE_WORDS = frozenset(
    {w for name in _MONTHS for w in name.split()}
    | {"السبت", "الاحد", "الاثنين", "الثلاثاء", "الاربعاء", "الخميس", "الجمعه", "يوم", "ه", "هجري", "هجريه", "م",
       "ميلادي", "ميلاديه", "و", "ر", "ور", "ص", "صباحا", "مساء", "مساءا", "الساعه", "الموافق", "نشر", "نشر في",
       "في", "بتاريخ", "تاريخ", "النشر", "اخر", "تحديث", "منذ", "من", "وفاه", "الرسول", "عام", "سنه"}
)  # fmt: skip


_ALL_MONTH_WORDS = frozenset(w for name in _MONTHS for w in name.split())


MONTH_WORDS = frozenset(w for name in _MONTHS for w in name.split())  # every word of every month name


def _alternation(names: Sequence[str]) -> str:
    # longest first so "كانون الاول" wins over shorter names; flexible inner spaces
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(names, key=len, reverse=True))


_MONTH_ALT = _alternation(list(_MONTHS))
_B = r"(?<![\w])"  # left word boundary that works for Arabic
_E = r"(?![\w])"
_ERA = r"(?P<era>ه|هـ|هجري|هجريه|م|ميلادي|ميلاديه|و\s*\.\s*ر\s*\.?|ور|من\s+وفاه\s+الرسول)"
_NAMED_DMY = re.compile(
    _B + r"(?P<day>\d{1,2})\s*(?:من\s+(?:شهر\s+)?|[/-]\s*)?"
    r"(?P<month>" + _MONTH_ALT + r")" + _E + r"(?:\s*[/\\(-]\s*(?:" + _MONTH_ALT + r")\s*\)?)?"
    r"(?:\s*[,،/-]?\s*(?:من\s+)?(?:عام|سنه|لعام|لسنه)?\s*(?P<year>\d{4}|\d{2})(?!\d|:))?"
    r"(?:\s*" + _ERA + _E + r")?"
)
_NAMED_MDY = re.compile(
    _B + r"(?P<month>" + _MONTH_ALT + r")" + _E + r"\s+(?P<day>\d{1,2})\s*[,،]\s*(?P<year>\d{4})"
    r"(?:\s*" + _ERA + _E + r")?"
)
_NAMED_MY = re.compile(  # month + year only, e.g. "رمضان 1439 هـ", "فبراير 2018"
    _B
    + r"(?P<month>"
    + _MONTH_ALT
    + r")"
    + _E
    + r"\s*[,،]?\s*(?P<year>\d{4})(?!\d)(?:\s*"
    + _ERA
    + _E
    + r")?"
)
_NUMERIC_DMY = re.compile(
    r"(?<![\d./-])(?P<day>\d{1,2})\s*(?P<sep>[./\\-])\s*(?P<month>\d{1,2})\s*(?P=sep)\s*(?P<year>\d{4}|\d{2})(?![\d./-]\d)"
    r"(?:\s*" + _ERA + _E + r")?"
)
_NUMERIC_YMD = re.compile(
    r"(?<![\d./-])(?P<year>\d{4})\s*(?P<sep>[./\\-])\s*(?P<month>\d{1,2})\s*(?P=sep)\s*(?P<day>\d{1,2})(?![\d])"
    r"(?:\s*" + _ERA + _E + r")?"
)
_TIME = re.compile(
    r"(?<![\d:])(?P<h>\d{1,2})\s*:\s*(?P<m>\d{2})(?:\s*:\s*(?P<s>\d{2}))?(?![\d])"
    r"(?:\s*(?P<ampm>صباحا|صباح|ص|مساءا|مساء|مسا|م|ظهرا|ظهر|عصرا|ليلا|فجرا|am|pm|a\.m\.|p\.m\.)" + _E + r")?",
    re.I,
)
_ISO_START = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d|$|\s*$)")
_RFC_START = re.compile(r"^\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}")

# --- relative dates --------------------------------------------------------------------------
_NUMBER_WORDS = {
    "واحد": 1, "واحده": 1, "اثنين": 2, "اثنتين": 2, "ثلاث": 3, "ثلاثه": 3, "اربع": 4, "اربعه": 4, "خمس": 5,
    "خمسه": 5, "ست": 6, "سته": 6, "سبع": 7, "سبعه": 7, "ثماني": 8, "ثمان": 8, "ثمانيه": 8, "تسع": 9,
    "تسعه": 9, "عشر": 10, "عشره": 10, "بضع": 3, "بضعه": 3,
}  # fmt: skip
_UNITS: dict[str, tuple[str, int]] = {
    # singular (count 1 unless a number precedes), dual (2), plural (needs a number)
    "ثانيه": ("seconds", 1), "ثانيتين": ("seconds", 2), "ثانيتان": ("seconds", 2), "ثواني": ("seconds", 0),
    "ثوان": ("seconds", 0),
    "دقيقه": ("minutes", 1), "دقيقتين": ("minutes", 2), "دقيقتان": ("minutes", 2), "دقايق": ("minutes", 0),
    "ساعه": ("hours", 1), "ساعتين": ("hours", 2), "ساعتان": ("hours", 2), "ساعات": ("hours", 0),
    "يوم": ("days", 1), "يومين": ("days", 2), "يومان": ("days", 2), "ايام": ("days", 0),
    "اسبوع": ("weeks", 1), "اسبوعين": ("weeks", 2), "اسبوعان": ("weeks", 2), "اسابيع": ("weeks", 0),
    "شهر": ("months", 1), "شهرين": ("months", 2), "شهران": ("months", 2), "اشهر": ("months", 0),
    "شهور": ("months", 0),
    "سنه": ("years", 1), "سنتين": ("years", 2), "سنتان": ("years", 2), "سنوات": ("years", 0),
    "سنين": ("years", 0), "عام": ("years", 1), "عامين": ("years", 2), "عامان": ("years", 2),
    "اعوام": ("years", 0),
}  # fmt: skip
_UNIT_ALT = "|".join(sorted(_UNITS, key=len, reverse=True))
_NUM_ALT = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_RELATIVE = re.compile(
    _B
    + r"(?:منذ|قبل)\s+(?:حوالي\s+|نحو\s+)?(?P<num>\d{1,3}|"
    + _NUM_ALT
    + r")?\s*(?P<unit>"
    + _UNIT_ALT
    + r")"
    + _E
)
_NAMED_DAY = re.compile(_B + r"(?P<word>اول\s+من\s+امس|اول\s+امس|امس\s+الاول|البارحه|الامس|امس|اليوم)" + _E)
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 7 * 86400,
                 "months": 30 * 86400, "years": 365 * 86400}  # fmt: skip
_LATIN_MONTH = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\b|\b(?:ago|yesterday|today)\b", re.I
)


def as_aware(value: datetime | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _fix_year(year: int, fetched: datetime) -> int:
    if year >= 100:
        return year
    century_cut = fetched.year % 100
    return 2000 + year if year <= century_cut else 1900 + year


def _clock(text: str, span: tuple[int, int]) -> time | None:
    """The time of day written next to a date match (within 40 characters)."""
    best: tuple[int, re.Match[str]] | None = None
    for match in _TIME.finditer(text):
        if span[0] <= match.start() < span[1]:
            continue
        distance = match.start() - span[1] if match.start() >= span[1] else span[0] - match.end()
        if distance <= 40 and (best is None or distance < best[0]):
            best = (distance, match)
    if best is None:
        return None
    match = best[1]
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"] or 0)
    ampm = (match["ampm"] or "").lower().replace(".", "")
    evening = ampm in ("م", "مساء", "مساءا", "مسا", "pm", "ليلا", "عصرا") and hour < 12
    if evening or (ampm in ("ظهرا", "ظهر") and hour < 6):
        hour += 12
    elif ampm in ("ص", "صباحا", "صباح", "am", "فجرا") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def _gregorian_from(kind: str, year: int, month: int, day: int, era: str, fetched: datetime) -> date | None:
    """Build the Gregorian date of a (calendar kind, y, m, d) match; None if invalid."""
    era = re.sub(r"\s+", "", era or "")
    try:
        if kind == "hijri" or (kind == "g-numeric" and era in ("ه", "هـ", "هجري", "هجريه")):
            return _hijri_to_gregorian(year, month, day)
        if kind == "libyan":
            if year < 1000:
                return None
            if year < 1500:  # years from the Prophet's death
                year += LIBYAN_CALENDAR_OFFSET
            return date(year, month, day)
        # Gregorian month names or numbers
        if era.startswith("و") or era.startswith("من"):
            year += LIBYAN_CALENDAR_OFFSET
        elif 1300 <= year < 1500 and kind == "g-numeric":
            # a 13xx/14xx year without a marker: the Libyan calendar (1358..1379 = 1990..2011)
            # or the Hijri one (1400+); the other reading would be decades off.
            if year < 1380:
                year += LIBYAN_CALENDAR_OFFSET
            else:
                return _hijri_to_gregorian(year, month, day)
        elif 1300 <= year < 1500:
            year += LIBYAN_CALENDAR_OFFSET if year < 1380 else 0
        year = _fix_year(year, fetched)
        return date(year, month, day)
    except (ValueError, OverflowError):
        logger.info("invalid date %04d-%02d-%02d (%s calendar): ignored", year, month, day, kind)
        return None


def _hijri_to_gregorian(year: int, month: int, day: int) -> date | None:
    from hijridate import Hijri

    try:
        gregorian = Hijri(year, month, day).to_gregorian()
        return date(gregorian.year, gregorian.month, gregorian.day)
    except (ValueError, OverflowError):
        logger.info("invalid Hijri date %d-%02d-%02d: ignored", year, month, day)
        return None


def _month_of(name: str) -> tuple[str, int]:
    return _MONTHS[" ".join(name.split())]


def _combine(day: date, clock: time | None) -> datetime:
    return datetime.combine(day, clock or time(0, 0), tzinfo=TRIPOLI)


def absolute_date(text: str, fetched: datetime, *, partial: bool = True) -> tuple[int, datetime | None] | None:
    """The earliest absolute date expression in normalised text: (position, datetime or None if invalid).
    ``partial`` also accepts month + year ("رمضان 1439 هـ" -> the 1st), for short date fields only."""
    found: list[tuple[int, int, str, re.Match[str]]] = []
    patterns = [
        ("named", _NAMED_DMY),
        ("named", _NAMED_MDY),
        ("numeric-ymd", _NUMERIC_YMD),
        ("numeric", _NUMERIC_DMY),
    ]
    if partial:
        patterns.append(("named-my", _NAMED_MY))
    for kind, pattern in patterns:
        match = pattern.search(text)
        if match:
            found.append((match.start(), -(match.end() - match.start()), kind, match))
    if not found:
        return None
    start, _, kind, match = min(found, key=lambda f: (f[0], f[1]))
    era = match.groupdict().get("era") or ""
    if kind.startswith("named"):
        calendar, month = _month_of(match["month"])
        day_text = match.groupdict().get("day") or "1"
        if match["year"] is None:
            if calendar != "g":
                return start, None
            year = fetched.astimezone(TRIPOLI).year
            guess = _gregorian_from("g", year, month, int(day_text), era, fetched)
            if guess is not None and _combine(guess, None) > fetched + FUTURE_TOLERANCE:
                year -= 1  # "15 ديسمبر" read in January is last year's
            day = _gregorian_from("g", year, month, int(day_text), era, fetched)
        else:
            day = _gregorian_from(calendar, int(match["year"]), month, int(day_text), era, fetched)
    else:
        day = _gregorian_from(
            "g-numeric", int(match["year"]), int(match["month"]), int(match["day"]), era, fetched
        )
    if day is None:
        return start, None
    clock = None if kind == "named-my" else _clock(text, match.span())
    return start, _combine(day, clock)


def _relative(text: str, fetched: datetime) -> tuple[int, datetime] | None:
    local = fetched.astimezone(TRIPOLI)
    candidates: list[tuple[int, datetime]] = []
    match = _RELATIVE.search(text)
    if match:
        unit, implied = _UNITS[match["unit"]]
        num_text = match["num"]
        count = implied
        if num_text:
            count = int(num_text) if num_text.isdigit() else _NUMBER_WORDS[num_text]
        if count:
            candidates.append((match.start(), local - timedelta(seconds=count * _UNIT_SECONDS[unit])))
    named = _NAMED_DAY.search(text)
    if named:
        word = " ".join(named["word"].split())
        back = 0 if word == "اليوم" else 2 if word.startswith("اول") or word == "امس الاول" else 1
        day = local.date() - timedelta(days=back)
        candidates.append((named.start(), _combine(day, _clock(text, named.span()))))
    return min(candidates, key=lambda c: c[0]) if candidates else None


def parse_iso_local(text: str) -> datetime | None:
    value = text.strip()
    value = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    value = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value)  # +0200 -> +02:00
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        head = re.match(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if not head:
            return None
        try:
            parsed = datetime(int(head[1]), int(head[2]), int(head[3]))
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=TRIPOLI)


def _dateparser(text: str, fetched: datetime) -> datetime | None:
    if not _LATIN_MONTH.search(text):
        return None
    import dateparser

    settings = {
        "DATE_ORDER": "DMY",
        "RELATIVE_BASE": fetched.astimezone(TRIPOLI).replace(tzinfo=None),
        "PREFER_DATES_FROM": "past",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    try:
        parsed = dateparser.parse(text[:200], languages=["en", "fr", "ar"], settings=settings)  # type: ignore[arg-type]
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=TRIPOLI)


def validate(
    value: datetime | None,
    *,
    fetched_at: datetime | None = None,
    outlet_founded: date | None = None,
    what: str = "date",
) -> datetime | None:
    """None (with a logged reason) for dates in the future or before the outlet existed."""
    if value is None:
        return None
    fetched = as_aware(fetched_at)
    founded = outlet_founded or DEFAULT_FOUNDED
    if value > fetched + FUTURE_TOLERANCE:
        logger.info(
            "rejected %s %s: in the future (fetched at %s)", what, value.isoformat(), fetched.isoformat()
        )
        return None
    if value.astimezone(TRIPOLI).date() < founded:
        logger.info(
            "rejected %s %s: before the outlet existed (%s)", what, value.isoformat(), founded.isoformat()
        )
        return None
    return value


def _parse_unvalidated(text: str, fetched: datetime) -> datetime | None:
    if _ISO_START.match(text):
        return parse_iso_local(text)
    if _RFC_START.match(text):
        try:
            parsed = email.utils.parsedate_to_datetime(text.strip())
        except (TypeError, ValueError, IndexError):
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=TRIPOLI)
    normalised = " ".join(normalize_arabic(text).lower().split())
    absolute = absolute_date(normalised, fetched, partial=len(normalised) <= 40)
    relative = _relative(normalised, fetched)
    if absolute and (not relative or absolute[0] <= relative[0]):
        return absolute[1]
    if relative:
        return relative[1]
    if re.fullmatch(r"\d{10}(?:\d{3})?", text.strip()):  # unix timestamp (seconds or ms)
        stamp = int(text.strip())
        return datetime.fromtimestamp(stamp / 1000 if stamp > 10**11 else stamp, tz=UTC).astimezone(TRIPOLI)
    return _dateparser(text, fetched)


def parse_arabic_date(
    text: str | None,
    *,
    fetched_at: datetime | None = None,
    outlet_founded: date | None = None,
) -> datetime | None:
    """Parse one date expression to an aware datetime (Africa/Tripoli unless an offset is given).

    Handles ISO 8601, RFC 2822, Arabic month names (Egyptian, Levantine, Maghrebi), the Libyan
    calendar (months أي النار..الكانون, years + 632), Hijri dates, Arabic-Indic digits,
    day-first numeric dates, relative dates against ``fetched_at`` and, as a fallback, what
    dateparser understands. Returns None for invalid, future or pre-founding dates.
    """
    if not text or not text.strip():
        return None
    fetched = as_aware(fetched_at)
    try:
        parsed = _parse_unvalidated(text[:300], fetched)
    except (ValueError, OverflowError, KeyError) as err:  # defensive: never raise on odd input
        logger.info("unparseable date %r: %s", text[:80], err)
        return None
    return validate(parsed, fetched_at=fetched, outlet_founded=outlet_founded, what=f"date {text[:60]!r} ->")


# --- page-level search ------------------------------------------------------------------------
