"""User query text -> ParsedQuery. Pure functions, no engine.

Syntax (what people type into a news search box):

    word word          all words, relaxed for long queries (see search.py minimum_should_match)
    "a phrase"         exact phrase (normalised, unstemmed); also «…» and “…”
    -word  -"phrase"   exclusion
    a OR b             alternatives; also `|` and the Arabic أو / او between two terms

Never fails on text: unbalanced quotes close at the end of the input, stray operators are dropped,
Lucene syntax characters are treated as punctuation (the text only ever reaches match/match_phrase
queries, never query_string), and over-long input is truncated to MAX_CHARS / MAX_CLAUSES.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from index.analysis import normalise_arabic

MAX_CHARS = 1000
MAX_CLAUSES = 32  # words + phrases + alternatives + exclusions; synonyms multiply each one
MAX_PHRASE_WORDS = 24

OR_WORDS = {"or", "|", "||", "او"}  # compared after normalise_arabic (أو, اَو, OR, or)
AND_WORDS = {"AND", "&&", "&"}
NOT_WORDS = {"NOT", "!"}
QUOTES = {'"': '"', "«": "»", "“": "”", "„": "“", "”": "”", "»": "«"}
_WORD_CHAR = re.compile(r"[\w]", re.UNICODE)
# Keep letters, marks, digits and the joiners inside words (al-menfi, Dbeibah's); the rest is space.
_STRIP = re.compile(r"[^\w\u0300-\u036F\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED'’\-.]+", re.UNICODE)


class QueryError(ValueError):
    """The request cannot be searched as given (bad parameter, bad cursor). HTTP 400."""

    status = 400


@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False


@dataclass
class ParsedQuery:
    words: list[str] = field(default_factory=list)  # required (relaxed) plain words, in order
    phrases: list[str] = field(default_factory=list)  # required exact phrases
    any_of: list[list[Term]] = field(default_factory=list)  # each group: at least one alternative
    excluded: list[Term] = field(default_factory=list)
    truncated: bool = False

    @property
    def empty(self) -> bool:
        """Nothing positive to match: the search lists everything (minus exclusions)."""
        return not (self.words or self.phrases or self.any_of)

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def positive_texts(self) -> list[str]:
        """Every positive piece of text (for highlighting and logging)."""
        alts = [t.text for group in self.any_of for t in group]
        return [*self.words, *self.phrases, *alts]


@dataclass
class _Token:
    text: str
    phrase: bool = False
    negated: bool = False
    op: str | None = None  # "or" for operators


def _clean_word(word: str) -> str:
    word = _STRIP.sub(" ", word).strip(" -.'’")
    return word if _WORD_CHAR.search(word) else ""


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        negated = False
        if ch in "-−" and i + 1 < n and not text[i + 1].isspace():
            negated, i = True, i + 1
            ch = text[i]
        elif ch == "+" and i + 1 < n:
            i += 1
            continue
        if ch in QUOTES:
            close = QUOTES[ch]
            end = -1
            for j in range(i + 1, n):
                if text[j] == close or (close == '"' and text[j] in "”“"):
                    end = j
                    break
            inner = text[i + 1: end if end >= 0 else n]  # unbalanced: the quote runs to the end
            i = end + 1 if end >= 0 else n
            words = [w for w in (_clean_word(x) for x in inner.split()) if w][:MAX_PHRASE_WORDS]
            if words:  # a quoted single word is an exact (unstemmed) match too
                out.append(_Token(" ".join(words), phrase=True, negated=negated))
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in QUOTES:
            j += 1
        raw, i = text[i:j], j
        # Lowercase "or" is an English stop word anyway, so reading it as OR loses nothing.
        if not negated and normalise_arabic(raw) in OR_WORDS:
            out.append(_Token(raw, op="or"))
            continue
        if not negated and (raw.upper() in AND_WORDS or raw.upper() in NOT_WORDS):
            continue  # AND is implicit; NOT without a term is ignored (use -word)
        for piece in _clean_word(raw).split():
            out.append(_Token(piece, negated=negated))
    return out


def parse_query(text: str | None) -> ParsedQuery:
    """Parse user text; never raises on content. See the module docstring for the syntax."""
    if text is None:
        return ParsedQuery()
    if not isinstance(text, str):
        raise QueryError("q must be a string")
    text = unicodedata.normalize("NFC", text)
    truncated = len(text) > MAX_CHARS
    text = text[:MAX_CHARS]
    tokens = _tokens(text)

    # Fold `a OR b OR c` into groups; an OR must sit between two positive terms, else it is dropped.
    items: list[list[_Token] | _Token] = []
    pending_or = False
    for tok in tokens:
        if tok.op == "or":
            pending_or = bool(items) and _positive(items[-1])
            continue
        if tok.negated:
            items.append(tok)
            pending_or = False
            continue
        if pending_or and items and _positive(items[-1]):
            last = items[-1]
            items[-1] = [*(last if isinstance(last, list) else [last]), tok]
        else:
            items.append(tok)
        pending_or = False

    query = ParsedQuery(truncated=truncated)
    budget = MAX_CLAUSES
    for item in items:
        cost = len(item) if isinstance(item, list) else 1
        if cost > budget:
            query.truncated = True
            break
        budget -= cost
        if isinstance(item, list):
            group = list(dict.fromkeys(Term(t.text, t.phrase) for t in item))
            if len(group) == 1:
                _add_positive(query, group[0])
            else:
                query.any_of.append(group)
        elif item.negated:
            query.excluded.append(Term(item.text, item.phrase))
        else:
            _add_positive(query, Term(item.text, item.phrase))
    return query


def _positive(item: list[_Token] | _Token) -> bool:
    return isinstance(item, list) or not item.negated


def _add_positive(query: ParsedQuery, term: Term) -> None:
    (query.phrases if term.phrase else query.words).append(term.text)
