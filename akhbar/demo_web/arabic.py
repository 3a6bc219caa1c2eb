"""Date rendering in the styles Libyan outlets use (stdlib only, deterministic).

Both stories.py (datelines are part of the body text) and the site templates use these,
so the records and the served pages can never disagree.
"""

from __future__ import annotations

from datetime import datetime

MSA_MONTHS = (
    "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
    "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
)
LEVANTINE_MONTHS = (
    "كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران",
    "تموز", "آب", "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول",
)
# Months of the calendar used in official Libyan media before 2011 (year = Gregorian - 632, "و.ر.").
LIBYAN_MONTHS = (
    "أي النار", "النوار", "الربيع", "الطير", "الماء", "الصيف",
    "ناصر", "هانيبال", "الفاتح", "التمور", "الحرث", "الكانون",
)
# datetime.weekday(): Monday == 0
WEEKDAYS_AR = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
EN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)

_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

DATE_STYLES = ("msa", "levantine", "indic", "hijri", "libyan")


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


def to_indic(text: str) -> str:
    """ASCII digits -> Arabic-Indic digits (as some Libyan sites print dates)."""
    return text.translate(_INDIC)


def weekday_ar(dt: datetime) -> str:
    return WEEKDAYS_AR[dt.weekday()]


def day_month_year(dt: datetime, style: str = "msa", hijri: str | None = None) -> str:
    """'15 فبراير 2018' in one of DATE_STYLES; `hijri` is the precomputed 'D Month YYYY' string."""
    if style == "levantine":
        return f"{dt.day} {LEVANTINE_MONTHS[dt.month - 1]} {dt.year}"
    if style == "indic":
        return to_indic(f"{dt.day} {MSA_MONTHS[dt.month - 1]} {dt.year}")
    if style == "hijri":
        if not hijri:
            raise ValueError("hijri date style needs the precomputed hijri string")
        return f"{hijri} هـ"
    if style == "libyan":
        return f"{dt.day} {LIBYAN_MONTHS[dt.month - 1]} {dt.year - 632} و.ر."
    return f"{dt.day} {MSA_MONTHS[dt.month - 1]} {dt.year}"


def clock(dt: datetime, indic: bool = False) -> str:
    text = f"{dt.hour:02d}:{dt.minute:02d}"
    return to_indic(text) if indic else text


def full_date_ar(dt: datetime, style: str = "msa", hijri: str | None = None, with_time: bool = True) -> str:
    """'الخميس 15 فبراير 2018 - 10:35' (weekday, date in `style`, optional clock)."""
    text = f"{weekday_ar(dt)} {day_month_year(dt, style, hijri)}"
    if with_time:
        text += f" - {clock(dt, indic=style == 'indic')}"
    return text


def rfc822(dt: datetime) -> str:
    """RSS pubDate, e.g. 'Thu, 15 Feb 2018 10:35:00 +0200' (English names regardless of locale)."""
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    offset = dt.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return (
        f"{days[dt.weekday()]}, {dt.day:02d} {EN_MONTHS[dt.month - 1][:3]} {dt.year} "
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} {sign}{minutes // 60:02d}{minutes % 60:02d}"
    )


def english_date(dt: datetime) -> str:
    return f"{dt.day} {EN_MONTHS[dt.month - 1]} {dt.year} - {dt.hour:02d}:{dt.minute:02d}"
