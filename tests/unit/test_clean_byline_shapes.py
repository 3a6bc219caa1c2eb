"""Byline shapes and what each yields (authors, dateline place, repost source), through the whole clean
step on one small Arabic page. docs/benchmarks.md has the same table; a shape we get wrong is an xfail
with the reason, so the table and the code cannot drift apart."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from workers.clean.extract import extract_article

PROSE = [
    "أعلنت الحكومة الليبية اليوم عن خطة جديدة لمعالجة أزمة انقطاع الكهرباء في عدد من المدن الليبية الكبرى.",
    "وقال المصدر إن الاجتماع سيعقد غدا في العاصمة طرابلس بحضور عدد من الوزراء وممثلي البلديات.",
    "المصدر ذاته أكد أن الحكومة ستعلن عن تفاصيل الخطة خلال الأسبوع المقبل في مؤتمر صحفي.",
]


@dataclass(frozen=True)
class Shape:
    name: str
    line: str | None = None  # a byline line of its own above the story
    opening: str | None = None  # written before the first paragraph's text
    meta_author: str | None = None
    jsonld_author: dict | None = None
    authors: list[str] = field(default_factory=list)
    dateline: str | None = None
    source: str | None = None
    miss: str | None = None  # why we get it wrong (an xfail)


SHAPES = [
    Shape("role and name", line="كتب: محمد الورفلي", authors=["محمد الورفلي"]),
    Shape("بقلم الكاتب + name", line="بقلم الكاتب محمد الورفلي", authors=["محمد الورفلي"]),
    Shape("two roles and a name", line="إعداد وتحرير: سالم العبيدي", authors=["سالم العبيدي"]),
    Shape("translator only", line="ترجمة: أحمد يوسف", authors=["أحمد يوسف"]),
    Shape("writer; translator", line="جون سميث؛ ترجمة- أحمد يوسف", authors=["جون سميث", "أحمد يوسف"]),
    Shape("correspondent in a place", line="مراسلنا في بنغازي", dateline="بنغازي"),
    Shape("place - correspondent + name", line="بنغازي - مراسلنا سالم العبيدي", authors=["سالم العبيدي"], dateline="بنغازي"),
    Shape("dateline with a correspondent", opening="الكويت - مراسلنا أحمد بن علي:", authors=["أحمد بن علي"], dateline="الكويت"),
    Shape(
        "two roles in the JSON-LD author",
        jsonld_author={"@type": "Person", "name": "إعداد وتحرير: سالم العبيدي"},
        authors=["سالم العبيدي"],
    ),
    Shape("two names joined by و", line="كتب: محمد الورفلي وسالم العبيدي", authors=["محمد الورفلي", "سالم العبيدي"]),
    Shape(
        "two bare names with ،",
        line="محمد الورفلي، سالم العبيدي",
        authors=["محمد الورفلي", "سالم العبيدي"],
        miss="a line of bare names with no role word and no place is not told from a short sentence",
    ),
    Shape("place - agency", line="الرياض - واس", authors=["واس"], dateline="الرياض"),
    Shape("agency in the dateline", opening="طرابلس (وال) -", dateline="طرابلس", source="lana"),
    Shape(
        "agency's full name after the place",
        opening="بنغازي - وكالة الأنباء الليبية:",
        dateline="بنغازي",
        source="lana",
        miss="the agency's full name after a dateline is not read as the repost source",
    ),
    Shape("site name in <meta name=author>", meta_author="بوابة الوسط"),
    Shape("organisation as JSON-LD author", jsonld_author={"@type": "Organization", "name": "بوابة الوسط"}),
    Shape("person as JSON-LD author", jsonld_author={"@type": "Person", "name": "محمد الورفلي"}, authors=["محمد الورفلي"]),
    Shape("English, two people and an agency", line="By John Smith and Jane Doe, Reuters", authors=["John Smith", "Jane Doe"]),
]


def _page(shape: Shape) -> bytes:
    head = '<meta property="og:site_name" content="بوابة الوسط">'
    if shape.meta_author:
        head += f'<meta name="author" content="{shape.meta_author}">'
    if shape.jsonld_author:
        data = {"@type": "NewsArticle", "headline": "خطة الكهرباء", "author": shape.jsonld_author}
        head += f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
    paragraphs = [f"{shape.opening} {PROSE[0]}" if shape.opening else PROSE[0], *PROSE[1:]]
    body = (f"<p>{shape.line}</p>" if shape.line else "") + "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>خطة الكهرباء</title>{head}</head>"
        f"<body><article><h1>خطة الكهرباء</h1>{body}</article></body></html>"
    ).encode()


@pytest.mark.parametrize(
    "shape",
    [pytest.param(s, id=s.name, marks=[pytest.mark.xfail(reason=s.miss, strict=True)] if s.miss else []) for s in SHAPES],
)
def test_byline_shape(shape: Shape):
    article = extract_article(_page(shape), "https://alwasat.ly/news/libya/1")
    assert (article["authors"], article["dateline"], article["source_outlet"]) == (
        shape.authors,
        shape.dateline,
        shape.source,
    )
    assert article["body"].split("\n\n")[-1] == PROSE[-1]
    if shape.line:
        assert shape.line not in article["body"]  # the byline is not left in the text
