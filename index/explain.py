"""Why a hit matched: each form the highlighter marked in the article, tied to the query word it stands
for and the reason, when it is not the query word itself.

    explain(["Dbeibah"], {"title.translit": ["قال <mark>الدبيبة</mark> إن"]})
    -> [{"form": "الدبيبة", "query": "Dbeibah", "reason": "transliteration"}]

Reasons, first that holds:
    spelling         the same word once normalised (hamza, ta marbuta, alef maqsura, harakat, case)
    synonym          the form and the word are in one rule of the synonym files (index/synonyms)
    transliteration  the other script (or another romanisation) of the word: their name keys meet (index.names)
    stem             the same script, matched through the stemmed field (وزير for الوزراء, talks for talk)

Cheap by design: it reads the highlights the search request already asked for (the `.translit` fields
only when the query has a cross-script name clause) and does string work on at most a page of hits.
Pure functions, no engine.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from index.analysis import normalise_arabic, read_synonyms, synonym_files
from index.names import arabic_keys, fold_latin, is_latin, latin_loose_key, latin_variants, loose_keys

MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
_ARABIC = re.compile(r"[\u0621-\u064A]")
# Arabic clitics and article, to compare a stemmed match with the query word
_PREFIX = re.compile(r"^(?:[وف]?[بكل]?ال|[وف]?لل|[وفبلك])(?=\w{2})")


def marked_forms(highlight: Mapping[str, Sequence[str]]) -> list[str]:
    """The words the highlighter marked, in order, once each (case-insensitively)."""
    seen: set[str] = set()
    out: list[str] = []
    for fragments in highlight.values():
        for fragment in fragments:
            for match in MARK.finditer(fragment):
                form = html.unescape(match.group(1)).strip()
                if form and form.lower() not in seen:
                    seen.add(form.lower())
                    out.append(form)
    return out


@lru_cache(maxsize=4)
def _synonym_index(rules: tuple[str, ...]) -> dict[str, set[int]]:
    """normalised word -> the rules it appears in."""
    index: dict[str, set[int]] = {}
    for n, rule in enumerate(rules):
        for entry in re.split(r",|=>", rule):
            for word in entry.split():
                index.setdefault(normalise_arabic(word), set()).add(n)
    return index


def _synonyms(form: str, word: str, rules: tuple[str, ...]) -> bool:
    index = _synonym_index(rules)
    return bool(index.get(normalise_arabic(form), set()) & index.get(normalise_arabic(word), set()))


def translit_cost(form: str, word: str) -> float | None:
    """How cheap a guess the form is for the word in the other script (0 = the likeliest spelling), or
    None when their name keys do not meet."""
    if is_latin(word) and not is_latin(form):
        variants = dict(latin_variants(word))
        # the letters as written (not normalised: the key tells ة from ه, as the engine's does)
        costs = [variants[k.lstrip("_")] for k in arabic_keys(form) if k.lstrip("_") in variants]
        return min(costs) if costs else None
    if is_latin(word) and is_latin(form):
        return 0.0 if latin_loose_key(word) == latin_loose_key(form) else None
    if not is_latin(word) and is_latin(form):
        return 0.0 if latin_loose_key(form) in loose_keys(word) else None
    return None


def _cheapest(found: list[dict], costs: list[float | None]) -> list[dict]:
    """Of the transliterations of one query word, only the likeliest spellings: a Latin name's looser
    variants (Hail ~ حال) also occur in the text as common words; they matched, but are not the name."""
    best: dict[str, float] = {}
    for item, cost in zip(found, costs, strict=True):
        if cost is not None:
            best[item["query"]] = min(cost, best.get(item["query"], cost))
    return [item for item, cost in zip(found, costs, strict=True) if cost is None or cost <= best[item["query"]]]


def _bare(word: str) -> str:
    word = normalise_arabic(word)
    return _PREFIX.sub("", word) if _ARABIC.search(word) else fold_latin(word)


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _same_script(a: str, b: str) -> bool:
    return is_latin(a) == is_latin(b)


def reason_for(form: str, words: Sequence[str], rules: tuple[str, ...] = (), *,
               stem: bool = True) -> tuple[str, str] | None:
    """(query word, reason) for one marked form, or None when it is a query word as typed (or nothing
    explains it). `stem=False`: only spelling, synonym and transliteration (for unmarked text)."""
    if any(form == w or form.lower() == w.lower() for w in words):
        return None
    norm = normalise_arabic(form)
    for word in words:
        if norm == normalise_arabic(word):
            return word, "spelling"
    for word in words:
        if _synonyms(form, word, rules):
            return word, "synonym"
    for word in words:
        if translit_cost(form, word) is not None:
            return word, "transliteration"
    if not stem:
        return None
    best = max((w for w in words if _same_script(w, form)), default=None,
               key=lambda w: _common_prefix(_bare(w), _bare(form)))
    if best is not None and _common_prefix(_bare(best), _bare(form)) >= 2:
        return best, "stem"
    return None


_RULES: dict[tuple, tuple[str, ...]] = {}


def current_rules() -> tuple[str, ...]:
    """The synonym rules the engine was given, read again only when a file changed."""
    files = synonym_files()
    key = tuple((str(p), p.stat().st_mtime_ns) for p in files)
    if key not in _RULES:
        _RULES.clear()
        _RULES[key] = tuple(read_synonyms(files))
    return _RULES[key]


def query_words(texts: Iterable[str]) -> list[str]:
    """The single words of the query's positive parts (words, phrases, alternatives)."""
    out: list[str] = []
    for text in texts:
        for word in re.split(r"[\s\-]+", text):
            word = word.strip("'’.")
            if word and word not in out:
                out.append(word)
    return out


def explain(words: Sequence[str], highlight: Mapping[str, Sequence[str]],
            rules: Sequence[str] | None = None) -> list[dict]:
    """[{"form", "query", "reason"}] for the marked forms that are not a query word as typed."""
    if not words or not highlight:
        return []
    rules_key = current_rules() if rules is None else tuple(rules)
    out = []
    for form in marked_forms(highlight):
        found = reason_for(form, words, rules_key)
        if found is not None:
            out.append({"form": form, "query": found[0], "reason": found[1]})
    return _keep_likeliest(out)


def _keep_likeliest(found: list[dict]) -> list[dict]:
    costs = [translit_cost(f["form"], f["query"]) if f["reason"] == "transliteration" else None for f in found]
    return _cheapest(found, costs)


_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def explain_text(words: Sequence[str], texts: Iterable[str | None], rules: Sequence[str] | None = None,
                 limit: int = 10) -> list[dict]:
    """The same for an article that has no highlights (a saved search's alert, raised by the
    percolator): the words of its text that a query word matched through spelling, synonym or
    transliteration (no stems: without the engine's stemmer a guess would mark unrelated words)."""
    words = [w for w in words if w]
    if not words:
        return []
    rules_key = current_rules() if rules is None else tuple(rules)
    seen: set[str] = set()
    out: list[dict] = []
    for text in texts:
        for token in _TOKEN.findall(text or ""):
            if token.lower() in seen:
                continue
            seen.add(token.lower())
            found = reason_for(token, words, rules_key, stem=False)
            if found is not None:
                out.append({"form": token, "query": found[0], "reason": found[1]})
    return _keep_likeliest(out)[:limit]
