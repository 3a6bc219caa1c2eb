"""Development set of the extraction work (issue 11): seven more outlet templates, built from CMS
families Arabic news sites use (Next.js, Nuxt/Vue, Drupal, Joomla, Blogger, AMP, an old ASP table
layout), with gold records of their own.

Text source: SaudiNewsNet (../shared/corpora/saudinewsnet, CC BY-NC-SA 4.0, read in place at run
time, never copied into the repo; ``AKHBAR_CORPUS_DIR`` overrides the place). ``PER_OUTLET``
articles per template are drawn by a fixed seed, so every run builds the same pages. Without the
corpus the set falls back to the stories in data/*.json (``text_source`` says which one was used:
those stories are also the existing fixtures' text, so that fallback is less independent).

Bylines, places, agencies, dates and repost credits are NOT taken from the corpus (its author
field mixes places and names, which is exactly what is being evaluated): they are drawn from the
pools below, and the gold says what a perfect extractor returns:

- ``authors``: the first author (a person or an agency abbreviation) or [] ("بنغازي: خاص" has none).
- ``dateline``: the place in the byline / dateline, or None.
- ``source_outlet``: the outlet named by an explicit repost credit ("المصدر: ...", "نقلاً عن ..."),
  as written, or None. Agency bylines are authors, not repost sources.
- ``paragraphs``: the article text. A dateline written at the head of the first paragraph
  ("الرياض - واس: ...") and a credit paragraph ("المصدر: عكاظ") are part of it; a byline on a line
  of its own and every piece of page furniture are not.
- ``published_at``: ISO 8601, to the minute, Africa/Tripoli (+02:00); compare as instants.
- ``boilerplate``: strings the template prints around the article (utility lines, share buttons,
  related titles, comments) that must not end up in the extracted body.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from akhbar.demo_web.outlets import OutletSpec
from tests.fixture_site.corpus import find_corpus

TRIPOLI = timezone(timedelta(hours=2))  # Africa/Tripoli has been UTC+2 without DST since 2013
SEED = "akhbar-issue-11-devset"
PER_OUTLET = 25
MAX_PARAGRAPHS = 9

DEV_OUTLETS: tuple[OutletSpec, ...] = (
    OutletSpec(slug="dx-next", name_ar="منصة الخبر التجريبية", name_en="Dev Next", language="ar",
               founded="2014-01-01", about="منصة إخبارية مبنية بإطار Next.js."),
    OutletSpec(slug="dx-nuxt", name_ar="نبض الأخبار التجريبي", name_en="Dev Nuxt", language="ar",
               founded="2013-06-01", about="موقع إخباري مبني بإطار Nuxt."),
    OutletSpec(slug="dx-drupal", name_ar="صحيفة الساحل التجريبية", name_en="Dev Drupal", language="ar",
               founded="2010-01-01", about="صحيفة إلكترونية على نظام دروبال."),
    OutletSpec(slug="dx-joomla", name_ar="شبكة الواحة التجريبية", name_en="Dev Joomla", language="ar",
               founded="2009-01-01", about="شبكة إخبارية على نظام جوملا."),
    OutletSpec(slug="dx-blogger", name_ar="مدونة أخبار الجنوب التجريبية", name_en="Dev Blogger", language="ar",
               founded="2008-01-01", about="مدونة أخبار على بلوجر."),
    OutletSpec(slug="dx-amp", name_ar="بوابة المدار التجريبية", name_en="Dev AMP", language="ar",
               founded="2015-01-01", about="بوابة أخبار بصفحات AMP."),
    OutletSpec(slug="dx-table", name_ar="وكالة الأنباء العربية التجريبية", name_en="Dev Table", language="ar",
               founded="2001-01-01", about="وكالة أنباء بموقع قديم."),
    # issue 21: site structures the first seven lack
    OutletSpec(slug="dx-wpplain", name_ar="صحيفة الشاطئ التجريبية", name_en="Dev WP Plain", language="ar",
               founded="2012-01-01", about="صحيفة على ووردبريس بروابط بسيطة."),
    OutletSpec(slug="dx-wparchive", name_ar="أرشيف الوادي التجريبي", name_en="Dev WP Archive", language="ar",
               founded="2011-01-01", about="موقع ووردبريس يُتصفح بأرشيف التاريخ."),
    OutletSpec(slug="dx-split", name_ar="تقارير الجبل التجريبية", name_en="Dev Split", language="ar",
               founded="2010-06-01", about="تقارير طويلة مقسمة على صفحات."),
    OutletSpec(slug="dx-shell", name_ar="منصة الواجهة التجريبية", name_en="Dev Shell", language="ar",
               founded="2018-01-01", about="تطبيق ويب تُبنى قائمته في المتصفح."),
    # issue 21 §4: a client-rendered app, readable only by a browser
    OutletSpec(slug="dx-react", name_ar="شاشة الأخبار التجريبية", name_en="Dev React", language="ar",
               founded="2019-01-01", about="تطبيق React يبني صفحاته في المتصفح من واجهة JSON."),
    # issue 21, development set: Ghost, WordPress with Yoast and the REST API, Next.js data routes, "load more"
    OutletSpec(slug="dx-ghost", name_ar="نشرة المرفأ التجريبية", name_en="Dev Ghost", language="ar",
               founded="2016-01-01", about="نشرة إخبارية على منصة Ghost."),
    OutletSpec(slug="dx-wpyoast", name_ar="بوابة السهل التجريبية", name_en="Dev WP Yoast", language="ar",
               founded="2012-06-01", about="بوابة أخبار على ووردبريس مع Yoast وواجهة REST."),
    OutletSpec(slug="dx-nextdata", name_ar="منصة الأفق التجريبية", name_en="Dev Next Data", language="ar",
               founded="2019-01-01", about="واجهة Next.js لووردبريس بلا رأس."),
    OutletSpec(slug="dx-loadmore", name_ar="موقع الدليل التجريبي", name_en="Dev Load More", language="ar",
               founded="2017-01-01", about="موقع أخبار بزر تحميل المزيد."),
)
# Where each block of templates starts (issue 11: seven; issue 21: three, then the app shell, then the
# client-rendered app, then Ghost, WordPress with Yoast, Next.js data routes and "load more"): a block
# added later never moves a story of an earlier one.
BLOCKS = (0, 7, 10, 11, 12)
DEV_OUTLETS_BY_SLUG: dict[str, OutletSpec] = {spec.slug: spec for spec in DEV_OUTLETS}

# Pools for bylines (written here, not read from the corpus).
PERSONS = (
    "خالد الزايدي", "سالم المبروك", "نوال الصادق", "عبدالله القحطاني", "محمد الساعدي", "فاطمة الورفلي",
    "أحمد بن علي", "هدى التاجوري", "يوسف الحاسي", "مريم الشريف", "إبراهيم العبيدي", "ليلى المغربي",
    "عمر الفيتوري", "سارة الدباشي", "حسن الزوي", "منى بوخطوة", "علي المقريف", "رانيا الشهري",
    "طارق العريبي", "سعاد الكيلاني",
)
AGENCIES = ("واس", "وال", "أ ف ب", "رويترز", "د ب أ", "أ ش أ", "كونا", "قنا")
PLACES = (
    "طرابلس", "بنغازي", "مصراتة", "سبها", "الرياض", "جدة", "الدمام", "المدينة المنورة", "القاهرة", "تونس",
    "عمان", "بغداد", "بيروت", "الخرطوم", "أبها", "تبوك", "الزاوية", "طبرق", "مكة المكرمة", "الكويت",
)
# Repost credits name the newspaper the corpus article came from.
SOURCE_NAMES = {
    "alriyadh": "صحيفة الرياض", "aljazirah": "صحيفة الجزيرة", "alyaum": "صحيفة اليوم", "aleqtisadiya": "الاقتصادية",
    "aawsat": "الشرق الأوسط", "okaz": "عكاظ", "alwatan": "صحيفة الوطن", "almadina": "صحيفة المدينة",
    "alweeam": "الوئام", "3alyoum": "عاجل", "sabq": "سبق", "was": "وكالة الأنباء السعودية",
    "arreyadi": "الرياضي", "arriyadiyah": "الرياضية",
}  # fmt: skip

# byline style -> (text template, author part, has place); {p} person, {q} second person, {a} agency,
# {l} place, {m} second place
BYLINE_STYLES: dict[str, tuple[str, str | None, bool]] = {
    "person": ("كتب: {p}", "p", False),
    "place_dash_agency": ("{l} - {a}", "a", True),
    "place_colon_agency": ("{l}: {a}", "a", True),
    "place_dash_person": ("{l} - {p}", "p", True),
    "person_dash_place": ("{p} - {l}", "p", True),
    "person_paren_place": ("{p} ({l})", "p", True),
    "place_khas": ("{l}: خاص", None, True),
    "agency": ("{a}", "a", False),
    "person_only": ("{p}", "p", False),
    "person_two_places": ("{p} ({l}، {m})", "p", True),  # dateline: the first place
    "person_translator": ("{p}؛ ترجمة- {q}", "p", False),  # the writer, not the translator
    # issue 22: a person with a role, several people, a correspondent
    "correspondent_place": ("مراسلنا في {l}", None, True),  # a role and a place: no author
    "place_correspondent": ("{l} - مراسلنا {p}", "p", True),
    "roles_person": ("إعداد وتحرير: {p}", "p", False),
    "writer_person": ("بقلم الكاتب {p}", "p", False),
    "two_persons_wa": ("كتب: {p} و{q}", "p", False),  # the first author is scored
    "two_persons_comma": ("{p}، {q}", "p", False),
    "none": ("", None, False),
}
# Where each template shows the byline: "line" (own line, not body), "field" (metadata / JSON /
# byline element), "dateline" (head of the first paragraph, part of the body).
BYLINE_PLACEMENT = {
    "dx-next": ("field",), "dx-nuxt": ("field",), "dx-drupal": ("field", "line", "dateline"),
    "dx-joomla": ("field", "dateline"), "dx-blogger": ("line", "dateline"), "dx-amp": ("field", "dateline"),
    "dx-table": ("line", "dateline"), "dx-wpplain": ("field", "dateline"), "dx-wparchive": ("field", "line"),
    "dx-split": ("field", "dateline"), "dx-shell": ("field",), "dx-react": ("field", "dateline"),
    "dx-ghost": ("field",), "dx-wpyoast": ("field", "line", "dateline"), "dx-nextdata": ("field",),
    "dx-loadmore": ("field", "line", "dateline"),
}  # fmt: skip
# The first paragraph can only carry styles that read as a dateline ("الرياض - واس: ...").
_DATELINE_PREFIX = {
    "place_dash_agency": "{l} - {a}: ", "place_dash_person": "{l} - {p}: ", "place_khas": "{l}: خاص - ",
    "place_correspondent": "{l} - مراسلنا {p}: ",
}
_DATELINE_STYLES = tuple(_DATELINE_PREFIX)
_ID_BASE = {"dx-next": 2100, "dx-nuxt": 880, "dx-drupal": 15400, "dx-joomla": 3300, "dx-blogger": 0,
            "dx-amp": 70100, "dx-table": 9100, "dx-wpplain": 4400, "dx-wparchive": 5200, "dx-split": 610,
            "dx-shell": 7300, "dx-react": 8800, "dx-ghost": 0, "dx-wpyoast": 9400, "dx-nextdata": 5600,
            "dx-loadmore": 31000}  # fmt: skip

_SPACE = re.compile(r"[ \t\u00a0\u200b-\u200f\ufeff]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # stray bytes in the corpus (\x1a ...)
_WORDS = re.compile(r"\w+")
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#\d{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_SLUG_WORDS = ("news", "report", "story", "update", "local", "world", "region", "economy")


def _h(*parts: object) -> int:
    return int.from_bytes(hashlib.sha1("|".join(map(str, (SEED, *parts))).encode()).digest()[:8], "big")


def corpus_dir() -> Path | None:
    return find_corpus()


def _clean(text: str) -> str:
    return _SPACE.sub(" ", _CONTROL.sub(" ", text)).strip()


def _corpus_stories(path: Path) -> Iterator[dict]:
    for zpath in sorted(path.glob("*.zip")):
        with zipfile.ZipFile(zpath) as archive:
            for name in sorted(archive.namelist()):
                if name.endswith(".json"):
                    for raw in json.loads(archive.read(name)):
                        paragraphs = [_clean(p) for p in (raw.get("content") or "").split("\n")]
                        paragraphs = [p for p in paragraphs if len(p.split()) >= 6]
                        title = _clean(raw.get("title") or "")
                        stamp = (raw.get("date_extracted") or "").strip()
                        if not title or len(paragraphs) < 3 or len(stamp) < 16 or "<" in title:
                            continue
                        # HTML character references the corpus' scraper left (&#8220;): the gold text must be
                        # plain. None was among the stories the earlier blocks drew, so skipping moves none of them.
                        if _ENTITY.search(title) or any(_ENTITY.search(p) for p in paragraphs[:MAX_PARAGRAPHS]):
                            continue
                        yield {"title": title, "paragraphs": paragraphs[:MAX_PARAGRAPHS],
                               "source": raw.get("source") or "", "origin_url": raw.get("url") or "",
                               "stamp": stamp[:16]}


def _fixture_stories() -> Iterator[dict]:
    from tests.fixture_site.gold import raw_originals  # fallback only

    for index, raw in enumerate(raw_originals()):
        if raw.get("language", "ar") != "ar" or not raw.get("published_at"):
            continue
        yield {"title": raw["title"], "paragraphs": list(raw["paragraphs"]), "source": "",
               "origin_url": f"fixture:{raw['outlet']}/{raw['slug']}",
               "stamp": (datetime(2015, 7, 21, 8) + timedelta(hours=7 * index)).strftime("%Y-%m-%d %H:%M")}


@lru_cache(maxsize=1)
def _drawn() -> tuple[str, tuple[dict, ...]]:
    """(text_source, stories): PER_OUTLET * len(DEV_OUTLETS) distinct stories by a fixed seed."""
    path = corpus_dir()
    text_source, stories = ("saudinewsnet", _corpus_stories(path)) if path else ("fixture-data", _fixture_stories())
    unique: dict[str, dict] = {}
    for story in stories:
        unique.setdefault(story["title"], story)
    ranked = sorted(unique.values(), key=lambda s: _h("draw", s["origin_url"], s["title"]))
    # The fallback has fewer stories than the corpus: fewer (but equally many) pages per template.
    per_outlet = min(PER_OUTLET, len(ranked) // len(DEV_OUTLETS))
    return text_source, tuple(ranked[: per_outlet * len(DEV_OUTLETS)])


def text_source() -> str:
    """"saudinewsnet", or "fixture-data" when the corpus is not there."""
    return _drawn()[0]


def per_outlet() -> int:
    return len(_drawn()[1]) // len(DEV_OUTLETS)


def _byline(outlet: str, n: int) -> dict:
    placement = BYLINE_PLACEMENT[outlet][_h("placement", outlet, n) % len(BYLINE_PLACEMENT[outlet])]
    styles = _DATELINE_STYLES if placement == "dateline" else tuple(BYLINE_STYLES)
    style = styles[_h("style", outlet, n) % len(styles)]
    template, who, _ = BYLINE_STYLES[style]
    person = PERSONS[_h("person", outlet, n) % len(PERSONS)]
    agency = AGENCIES[_h("agency", outlet, n) % len(AGENCIES)]
    place = PLACES[_h("place", outlet, n) % len(PLACES)]
    second = {"q": PERSONS[(_h("person", outlet, n) + 7) % len(PERSONS)],
              "m": PLACES[(_h("place", outlet, n) + 3) % len(PLACES)]}
    text = template.format(p=person, a=agency, l=place, **second)
    prefix = _DATELINE_PREFIX[style].format(p=person, a=agency, l=place) if placement == "dateline" else ""
    author = {"p": person, "a": agency, None: None}[who]
    return {"style": style, "placement": placement if style != "none" else "none", "text": text, "prefix": prefix,
            "author": author, "place": place if "{l}" in template else None}


def _published(stamp: str, outlet: str, n: int) -> datetime:
    # The corpus gives Saudi wall-clock time; a per-page shift spreads pages over the day.
    base = datetime.strptime(stamp, "%Y-%m-%d %H:%M")
    return (base - timedelta(minutes=_h("minutes", outlet, n) % 600)).replace(tzinfo=TRIPOLI)


def _slug(outlet: str, n: int) -> str:
    word = _SLUG_WORDS[_h("slug", outlet, n) % len(_SLUG_WORDS)]
    return f"{word}-{_h('slugnum', outlet, n) % 90000 + 10000}"


def _expand(outlet: str, n: int, story: Mapping) -> dict:
    byline = _byline(outlet, n)
    dt = _published(story["stamp"], outlet, n)
    paragraphs = list(story["paragraphs"])
    if byline["placement"] == "dateline":
        paragraphs[0] = byline["prefix"] + paragraphs[0]
    source = None
    credit = _h("credit", outlet, n) % 6
    name = SOURCE_NAMES.get(story["source"]) or "صحيفة الأيام"
    if credit == 0:
        paragraphs.append(f"المصدر: {name}")
        source = name
    elif credit == 1:
        paragraphs.append(f"نقلاً عن {name}")
        source = name
    site_id = _ID_BASE[outlet] + 7 * n + 1
    return {
        "key": f"{outlet}/{n:03d}",
        "parts": None,  # a split article: its paragraphs per page (dx-split)
        "outlet": outlet,
        "n": n,
        "site_id": site_id,
        "slug": _slug(outlet, n),
        "kind": "original",
        "language": "ar",
        "title": story["title"],
        "paragraphs": paragraphs,
        "body": "\n\n".join(paragraphs),
        "lead": paragraphs[0],
        "authors": [byline["author"]] if byline["author"] else [],
        "byline": byline,
        "published_at": dt.isoformat(),
        "date_precision": "minute",
        "dateline": byline["place"],
        "source_outlet": source,
        "section": None,
        "tags": [],
        "origin_url": story["origin_url"],
        "variant": None,
        "boilerplate": [],
        "path": "",
    }


@lru_cache(maxsize=1)
def _dev_gold() -> tuple[dict, ...]:
    _, stories = _drawn()
    records = []
    per = len(stories) // len(DEV_OUTLETS)
    # Blocks of outlets in the order they joined: each block is dealt its stories round robin, so adding
    # a block never moves a story of an earlier one.
    blocks = tuple(DEV_OUTLETS[start:end] for start, end in zip(BLOCKS, (*BLOCKS[1:], len(DEV_OUTLETS)), strict=True))
    start = 0
    for block in blocks:
        chunk = stories[start:start + per * len(block)]
        start += len(chunk)
        for index, story in enumerate(chunk):
            records.append(_expand(block[index % len(block)].slug, index // len(block), story))
    from tests.fixture_site.sites.dev import DEV_SITE_CLASSES

    for record in records:  # each template decides its URLs, variants and page furniture
        DEV_SITE_CLASSES[record["outlet"]].prepare(record)
    ordered = sorted(records, key=lambda r: (r["published_at"], r["key"]))
    for order, record in enumerate(ordered):
        record["release_order"] = order
    return tuple(ordered)


def load_dev_gold() -> list[dict]:
    """Gold records of the development set (a fresh copy), oldest first."""
    return copy.deepcopy(list(_dev_gold()))


def body_f1(got: str, want: str) -> float:
    """Word-bag F1 of an extracted body against the gold body (a split report: every page's text joined)."""
    g, w = Counter(_WORDS.findall(got)), Counter(_WORDS.findall(want))
    overlap = sum((g & w).values())
    if not overlap:
        return float(not g and not w)
    precision, recall = overlap / sum(g.values()), overlap / sum(w.values())
    return 2 * precision * recall / (precision + recall)


def article_pages(record: Mapping) -> list[tuple[str, str]]:
    """(template label, path) of every page showing this article (AMP: the page and its AMP twin; a split
    article: every one of its pages)."""
    pages = [(record["outlet"], record["path"])]
    pages += [(f"{record['outlet']}:part", path) for path in record.get("part_paths") or ()]
    if record.get("amp_path"):
        pages.append((f"{record['outlet']}:amp", record["amp_path"]))
    return pages
