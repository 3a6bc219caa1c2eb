"""Bad input fuzzing of the pure text functions (hypothesis): whatever text a page or a user sends, they
return a value of their documented type, raise only their documented exceptions, and finish quickly.

Strategies mix the alphabets these functions actually see (Arabic letters, Arabic-Indic digits, marks,
Latin, punctuation, control and bidi characters, lone surrogates excluded as str cannot carry them
through lxml) with fully arbitrary text, so both "near-valid" and hostile inputs are covered.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from html import escape

import lxml.html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from akhbar.core.text import content_hash, normalize_arabic, normalize_for_hash, words
from index.query import MAX_CHARS, MAX_CLAUSES, ParsedQuery, QueryError, parse_query
from workers.clean.boilerplate import classify, clean_paragraphs, prune_html
from workers.clean.bylines import clean_author_names, find_bylines, parse_byline, parse_dateline
from workers.clean.dateparse import FUTURE_TOLERANCE, parse_arabic_date

# Modest examples and a per-example deadline: fast in `make test`, still a real time bound per call.
FUZZ = settings(max_examples=60, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
SLOW_CALL_SECONDS = 5.0  # generous: a loaded 2-core CI machine; a hang or a quadratic blow-up is far above

ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأؤإئةى"
PIECES = [
    *ARABIC, *"٠١٢٣٤٥٦٧٨٩0123456789", *"ًٌٍَُِّْـ", " ", "\n", "\t", "\u200f", "\u202e", "\x00", "\ufeff",
    "-", "/", ":", ".", "،", "«", "»", '"', "(", ")", "|", "*", "?", "~", "^", "\\", "[", "]", "{", "}",
    "يناير", "فبراير", "مارس", "أبريل", "يونيو", "ديسمبر", "أي النار", "الكانون", "رمضان", "هـ", "م",
    "منذ", "ساعة", "دقائق", "أمس", "الأحد", "صباحا", "مساء", "T", "Z", "+02:00", "GMT", "2024", "1445",
    "طرابلس", "بنغازي", "(وال)", "بوابة الوسط", "كتب:", "تقرير:", "بقلم", "و", "أو", "OR", "AND", "NOT",
    "-", '"', "المصدر:", "اقرأ أيضا", "تابعونا على", "Share", "By", "Reuters", "|", "\U0001F600",
]
near_valid = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
hostile = st.one_of(near_valid, st.text(max_size=400), st.text(alphabet=st.characters(codec="utf-8"), max_size=2000))
fetched = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


def timed(fn, *args, **kwargs):
    start = time.monotonic()
    result = fn(*args, **kwargs)
    elapsed = time.monotonic() - start
    assert elapsed < SLOW_CALL_SECONDS, f"{fn.__name__} took {elapsed:.2f}s"
    return result


@FUZZ
@given(hostile, st.one_of(st.none(), fetched), st.one_of(st.none(), st.dates(min_value=date(1900, 1, 1))))
def test_parse_arabic_date_returns_an_aware_datetime_or_none(text: str, at, founded) -> None:
    result = timed(parse_arabic_date, text, fetched_at=at, outlet_founded=founded)
    assert result is None or (isinstance(result, datetime) and result.tzinfo is not None)
    if result is not None and at is not None:
        assert result <= at + FUTURE_TOLERANCE  # a date after the fetch is refused, not returned


@FUZZ
@given(st.text(alphabet="٠١٢٣٤٥٦٧٨٩0123456789/-.: ", max_size=60), fetched)
def test_parse_arabic_date_on_digit_soup(text: str, at: datetime) -> None:
    result = timed(parse_arabic_date, text, fetched_at=at)
    assert result is None or result.tzinfo is not None


@FUZZ
@given(hostile)
def test_normalisation_is_total_and_idempotent(text: str) -> None:
    once = timed(normalize_arabic, text)
    assert isinstance(once, str)
    assert normalize_arabic(once) == once
    assert isinstance(timed(normalize_for_hash, text), str)
    assert len(timed(content_hash, text)) == 40
    assert all(isinstance(w, str) and w for w in timed(words, text))


@FUZZ
@given(hostile, st.lists(hostile, max_size=6))
def test_bylines_never_raise(text: str, paragraphs: list[str]) -> None:
    names = timed(parse_byline, text)
    assert names is None or all(isinstance(n, str) for n in names)
    line = timed(parse_dateline, text)
    assert line is None or isinstance(line.city, str)
    assert all(isinstance(n, str) for n in timed(clean_author_names, [text, *paragraphs], exclude=[text[:5]]))
    authors, used = timed(find_bylines, paragraphs)
    assert all(isinstance(a, str) for a in authors) and used <= set(range(len(paragraphs)))


@FUZZ
@given(st.lists(hostile, max_size=12), st.one_of(st.none(), hostile), st.lists(near_valid, max_size=3))
def test_boilerplate_keeps_or_drops_each_paragraph(paragraphs: list[str], title, credits) -> None:
    for paragraph in paragraphs:
        kind = timed(classify, paragraph, credits=credits)
        assert kind is None or isinstance(kind, str)
    kept, removed = timed(clean_paragraphs, paragraphs, title=title, section=title, credits=credits)
    assert len(kept) + len(removed) <= len(paragraphs)
    assert all(isinstance(k, str) and k.strip() for k in kept)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["div", "p", "aside", "nav", "footer", "section", "a", "span"]),
                          st.sampled_from(["", "share", "related", "social", "comments", "content", "ad"]),
                          hostile), max_size=20))
def test_prune_html_on_random_trees(blocks) -> None:
    html = "<html><body>" + "".join(f'<{t} class="{c}">{escape(x)}</{t}>' for t, c, x in blocks) + "</body></html>"
    try:
        tree = lxml.html.fromstring(html)
    except Exception:  # noqa: BLE001 - lxml refuses some inputs (e.g. NUL bytes): not our function's input
        return
    removed = timed(prune_html, tree, credits=["وال"])
    assert all(isinstance(r, str) for r in removed)


@FUZZ
@given(st.one_of(hostile, st.text(alphabet='"«»“”-|() ORAND أو', max_size=200), st.text(min_size=900, max_size=3000)))
def test_parse_query_never_raises_on_text(text: str) -> None:
    parsed = timed(parse_query, text)
    assert isinstance(parsed, ParsedQuery)
    assert len(parsed.text) <= MAX_CHARS
    assert len(parsed.positive_texts()) <= MAX_CLAUSES


@FUZZ
@given(st.one_of(st.integers(), st.lists(st.text()), st.binary()))
def test_parse_query_refuses_non_text_with_its_documented_error(value) -> None:
    try:
        parse_query(value)  # type: ignore[arg-type]
    except QueryError:
        return
    raise AssertionError("a non-string query must raise QueryError")
