"""Time zones and machine-written timestamps shared by every stage."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# Libyan outlets publish in Tripoli time; a naive date on a page means this zone unless the outlet says otherwise.
DEFAULT_TIMEZONE = "Africa/Tripoli"
TRIPOLI = ZoneInfo(DEFAULT_TIMEZONE)


def parse_iso_utc(value: str | None) -> datetime | None:
    """A machine-written ISO 8601 timestamp (feeds, sitemaps, job records); naive means UTC.
    None when absent or invalid. Page text goes through parse_arabic_date instead (naive = Tripoli)."""
    if not value:
        return None
    text = value.strip()
    text = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
