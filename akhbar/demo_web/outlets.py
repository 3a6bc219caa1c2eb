"""Static description of the demo outlets: names, registry entry points, section names.

Base URLs are only known once the servers are bound, so entry points are stored as paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OutletSpec:
    slug: str
    name_ar: str
    name_en: str
    language: str
    founded: str
    about: str  # shown in fx-alaan's "عن مصدر الخبر" box
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    sections: dict[str, str] = field(default_factory=dict)  # section key -> name shown on the site
    article_path: str = ""  # e.g. "/articles/{slug}.html"; "" -> the path rule of stories._path


_AR_SECTIONS_WASAT = {
    "politics": "ليبيا", "oil": "اقتصاد", "economy": "اقتصاد", "municipalities": "ليبيا",
    "weather": "ليبيا", "health": "صحة", "sport": "رياضة", "culture": "ثقافة", "education": "ليبيا",
}
_AR_SECTIONS_MARSAD = {
    "politics": "سياسة", "oil": "نفط وطاقة", "economy": "اقتصاد", "municipalities": "محليات",
    "weather": "محليات", "health": "صحة", "sport": "رياضة", "culture": "منوعات", "education": "محليات",
}
_AR_SECTIONS_LANA = {
    "politics": "الأخبار السياسية", "oil": "الأخبار الاقتصادية", "economy": "الأخبار الاقتصادية",
    "municipalities": "الأخبار المحلية", "weather": "الأخبار المحلية", "health": "الأخبار الصحية",
    "sport": "الأخبار الرياضية", "culture": "الأخبار الثقافية", "education": "الأخبار المحلية",
}
_AR_SECTIONS_ALAAN = {
    "politics": "أخبار ليبيا", "oil": "اقتصاد", "economy": "اقتصاد", "municipalities": "أخبار ليبيا",
    "weather": "أخبار ليبيا", "health": "أخبار ليبيا", "sport": "رياضة", "culture": "منوعات",
    "education": "أخبار ليبيا",
}
_EN_SECTIONS_OBSERVER = {
    "politics": "Politics", "oil": "Business", "economy": "Business", "municipalities": "Society",
    "weather": "Society", "health": "Society", "sport": "Sports", "culture": "Culture", "education": "Society",
}

OUTLETS: tuple[OutletSpec, ...] = (
    OutletSpec(
        slug="fx-wasat",
        name_ar="بوابة الوسط التجريبية",
        name_en="Fixture Wasat",
        language="ar",
        founded="2012-01-01",
        about="بوابة الوسط التجريبية موقع إخباري ليبي يغطي الشأن الليبي والدولي على مدار الساعة.",
        feeds=("/feed/",),
        sitemaps=("/sitemap_index.xml",),
        listings=("/category/libya/", "/category/economy/", "/category/health/", "/category/sport/",
                  "/category/culture/"),
        sections=_AR_SECTIONS_WASAT,
    ),
    OutletSpec(
        slug="fx-alaan",
        name_ar="ليبيا الآن التجريبي",
        name_en="Fixture Alaan",
        language="ar",
        founded="2011-06-01",
        about="ليبيا الآن التجريبي موقع يجمع الأخبار الليبية من مصادرها.",
        feeds=("/feed/rss",),
        listings=("/latest",),
        sections=_AR_SECTIONS_ALAAN,
    ),
    OutletSpec(
        slug="fx-marsad",
        name_ar="المرصد التجريبي",
        name_en="Fixture Marsad",
        language="ar",
        founded="2014-03-01",
        about="المرصد التجريبي صحيفة إلكترونية ليبية مستقلة.",
        listings=("/news",),
        sections=_AR_SECTIONS_MARSAD,
    ),
    OutletSpec(
        slug="fx-lana",
        name_ar="وكالة الأنباء الليبية التجريبية",
        name_en="Fixture LANA",
        language="ar",
        founded="1964-01-01",
        about="وكالة الأنباء الليبية التجريبية وكالة أنباء رسمية تبث أخبار ليبيا بالعربية.",
        feeds=("/rss.php",),
        listings=("/news.php",),
        sections=_AR_SECTIONS_LANA,
    ),
    OutletSpec(
        slug="fx-observer",
        name_ar="المراقب الليبي التجريبي",
        name_en="Fixture Observer",
        language="en",
        founded="2016-01-01",
        about="Fixture Observer is an English-language news site covering Libya.",
        feeds=("/rss.xml",),
        sitemaps=("/sitemap.xml",),
        listings=("/news",),
        sections=_EN_SECTIONS_OBSERVER,
    ),
)

OUTLETS_BY_SLUG: dict[str, OutletSpec] = {spec.slug: spec for spec in OUTLETS}

