"""Shared plumbing of the development-set templates (tests.fixture_site.devset): the DevSite base
class, page furniture (share buttons, font controls, comments, related titles) and date styles."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from akhbar.demo_web.arabic import LEVANTINE_MONTHS, MSA_MONTHS, WEEKDAYS_AR, parse_iso, to_indic
from akhbar.demo_web.catalog import Catalog
from akhbar.demo_web.sites.base import Site, stable_pick
from tests.fixture_site.devset import DEV_OUTLETS_BY_SLUG, TRIPOLI

COMMENTS = (
    "الله يحفظ بلادنا ويديم عليها نعمة الأمن والأمان",
    "خبر مهم، شكراً على المتابعة المستمرة",
    "نتمنى أن نرى هذه الوعود على أرض الواقع قريباً",
    "متى سيتم التنفيذ؟ ننتظر منذ سنوات",
    "تغطية ممتازة كالعادة، بالتوفيق للجميع",
)
COMMENTERS = ("أبو محمد", "زائر", "مواطن غيور", "سالم", "أم عبدالله")
SHARE_NETWORKS = ("فيسبوك", "تويتر", "واتساب", "تيليجرام")


def local(record: Mapping) -> datetime:
    return parse_iso(record["published_at"]).astimezone(TRIPOLI)


def arabic_long_date(dt: datetime, indic: bool = False, with_time: bool = True) -> str:
    text = f"{WEEKDAYS_AR[dt.weekday()]} {dt.day} {MSA_MONTHS[dt.month - 1]} {dt.year}"
    if with_time:
        text += f" - {dt.hour:02d}:{dt.minute:02d}"
    return to_indic(text) if indic else text


def joomla_date(dt: datetime) -> str:
    """Joomla's Arabic pack: 'الثلاثاء, 21 تموز/يوليو 2015 10:30'."""
    month = f"{LEVANTINE_MONTHS[dt.month - 1]}/{MSA_MONTHS[dt.month - 1]}"
    return f"{WEEKDAYS_AR[dt.weekday()]}, {dt.day:02d} {month} {dt.year} {dt.hour:02d}:{dt.minute:02d}"


def clock12(dt: datetime) -> str:
    """'10:30 ص' / '03:05 م' (12-hour clock with the Arabic AM/PM letters)."""
    hour = dt.hour % 12 or 12
    return f"{hour:02d}:{dt.minute:02d} {'ص' if dt.hour < 12 else 'م'}"


class DevSite(Site):
    """A development-set outlet: spec from devset.DEV_OUTLETS, records from the dev catalog."""

    def __init__(self, catalog: Catalog) -> None:  # noqa: D107 - Site.__init__ reads the main specs
        self.catalog = catalog
        self.spec = DEV_OUTLETS_BY_SLUG[self.slug]
        self.base_url = "http://localhost/"
        self.bases = {}
        self.records = [record for record in catalog.records if record["outlet"] == self.slug]
        self.by_path: dict[str, dict] = {}
        for record in self.records:
            self.by_path[record["path"]] = record
            if record.get("amp_path"):
                self.by_path[record["amp_path"]] = record

    @classmethod
    def prepare(cls, record: dict) -> None:
        """Set record["path"] (and any template variant) while the gold is built."""
        raise NotImplementedError

    def published(self, record: Mapping) -> dict | None:
        return record if record is not None and self.catalog.is_visible(record) else None

    def related(self, record: Mapping, count: int = 3) -> list[dict]:
        others = [r for r in self.visible() if r["key"] != record["key"]]
        return stable_pick(record["key"], others, count)

    def comments(self, record: Mapping) -> list[tuple[str, str]]:
        texts = stable_pick("c" + record["key"], COMMENTS, 2)
        names = stable_pick("n" + record["key"], COMMENTERS, 2)
        return list(zip(names, texts, strict=True))

    def furniture(self, record: Mapping) -> list[str]:
        """Texts printed around the article that must not reach the extracted body."""
        texts = [f"شارك على {net}" for net in SHARE_NETWORKS]
        texts += [r["title"] for r in self.related(record)]
        texts += [text for _, text in self.comments(record)]
        return texts + list(self.utility_lines)

    utility_lines: tuple[str, ...] = ()
