"""Index analysis settings: one Arabic + English analysis chain, plus search-time Libyan synonyms.

Chain (index side, analyzer `akhbar_text`):

    char filter `akhbar_chars`   harakat, Quranic marks, superscript alef, zero-width/bidi marks removed;
                                 alef wasla -> alef; hamza on a carrier (ؤ ئ) -> ء, so مسؤول == مسئول
    tokenizer   standard
    normalise   icu_folding (ICU plugin) or lowercase + asciifolding (fallback), then decimal_digit,
                arabic_normalization (أ إ آ -> ا, ى -> ي, ة -> ه, tatweel, harakat),
                persian_normalization (ی ک ە -> ي ك ه), English possessive 's
    stop        Lucene's Arabic list *normalised* + the English list (after normalisation, so إلى/الى
                are both stopped)
    stack fix   a leading و/ف before بال/كال/لل is removed: Lucene's arabic_stem strips one prefix only
                ("وبالمدرسة" -> "بالمدرس"); guarded so وكالة (agency) keeps its و
    waw fix     light10 strips a bare leading و, so وزير -> زير while الوزير -> وزير (also وطني/الوطني,
                ولاية/الولاية, وكالة/الوكالة). A multiplexer emits both stems at the same position: one
                with the و kept (hidden from arabic_stem behind a placeholder), one with it stripped.
    stem        arabic_stem (light10), then porter_stem. The two stemmers touch disjoint scripts,
                so one chain serves Arabic and English outlets (see mapping.py for why).

`akhbar_search` is the same chain with `synonym_graph` (Libyan places/institutions/people, Latin
transliterations) right after normalisation: rules are parsed by the chain before the filter, so the
data file may be written with any hamza/ta-marbuta form, and expansions are then stemmed like the index.

`akhbar_exact` (for `.exact` subfields): the normalisation only; no stop words, no stemming.

`akhbar_names` / `akhbar_names_search` (for `.translit` subfields): name keys shared by Arabic and Latin
spellings, see index/names.py.

`analysis_settings(icu)` builds both variants; they are tested to give the same tokens on a sample.

Measured (bench/relevance.py, 31k articles, 301 known-item queries, MRR@10): whole chain 0.783 vs
stock `arabic` 0.674; without the stack rule 0.779 (its category: 0.432 vs 0.379); without the waw
rule 0.763 (its category: 0.797 vs 0.577); without synonyms 0.723 (Latin-name queries 0.514 vs 0.027);
ICU and fallback chains score the same.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from akhbar.core.config import load_settings
from index.adapter import SearchAdapter, SearchRequestError
from index.names import analysis_parts as names_analysis

SYNONYMS_DIR = Path(__file__).resolve().parent / "synonyms"
BUILTIN_SYNONYMS = SYNONYMS_DIR / "libya.txt"
SYNONYMS_ENV = "AKHBAR_SYNONYMS"

INDEX_ANALYZER = "akhbar_text"
SEARCH_ANALYZER = "akhbar_search"
EXACT_ANALYZER = "akhbar_exact"

# Combining marks the standard tokenizer keeps inside words; ICU folding drops them, the fallback
# must too. Harakat (064B-065F), superscript alef, Quranic annotation marks.
_MARKS = [*range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06DD),
          *range(0x06DF, 0x06E5), 0x06E7, 0x06E8, *range(0x06EA, 0x06EE)]
# Zero-width and bidi marks that editors paste into Arabic text and that split or glue tokens.
_INVISIBLE = [0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x061C, 0xFEFF, 0x2066, 0x2067, 0x2068, 0x2069]
_CHAR_MAP = {
    "\u0671": "\u0627",  # alef wasla -> alef (neither arabic_normalization nor ICU folding maps it)
    "\u0624": "\u0621",  # waw with hamza -> hamza: مسؤول / مسئول, شؤون / شئون are both in use
    "\u0626": "\u0621",  # yeh with hamza -> hamza
}

# Lucene's Arabic stop list (org/apache/lucene/analysis/ar/stopwords.txt); normalised below because
# our stop filter runs after normalisation.
_ARABIC_STOP_TEXT = """
من ومن منها منه في وفي فيها فيه و ف ثم او أو ب بها به ا أ اى اي أي أى لا ولا الا ألا إلا لكن ما وما كما فما
عن مع اذا إذا ان أن إن انها أنها إنها انه أنه إنه بان بأن فان فأن وان وأن وإن التى التي الذى الذي الذين الى الي
إلى إلي على عليها عليه اما أما إما ايضا أيضا كل وكل لم ولم لن ولن هى هي هو وهى وهي وهو فهى فهي فهو انت أنت لك
لها له هذه هذا تلك ذلك هناك كانت كان يكون تكون وكانت وكان غير بعض قد نحو بين بينما منذ ضمن حيث الان الآن خلال
بعد قبل حتى عند عندما لدى جميع
"""
_ENGLISH_STOP_TEXT = """a an and are as at be but by for if in into is it no not of on or such that the their then
there these they this to was will with"""

# و/ف + (بال|كال|لل) + at least two letters: drop the conjunction so light10 can strip the rest.
# Not وكال + ه/ت/ا...: وكالة (agency), وكالات, وكالته must survive.
STACK_PATTERN = r"^[وف](?!كال[هتا])(?=(?:بال|كال|لل)\p{L}{2,})"
WAW_PLACEHOLDER = "\u0001"

_NORMALISE_TABLE = str.maketrans({
    **{chr(c): None for c in _MARKS + _INVISIBLE}, "\u0640": None,
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "ء", "ئ": "ء", "ی": "ي", "ک": "ك",
})


def normalise_arabic(text: str) -> str:
    """The chain's normalisation in Python (stop list, synonyms checks, bench helpers)."""
    return text.translate(_NORMALISE_TABLE).lower()


# Normalised forms that are also content words: على (on) becomes علي, the name Ali (علي زيدان).
_NOT_STOPPED = {"علي"}


def stopwords() -> list[str]:
    arabic = {normalise_arabic(w) for w in _ARABIC_STOP_TEXT.split()} - _NOT_STOPPED
    return sorted(arabic | set(_ENGLISH_STOP_TEXT.split()))


# -- synonyms ------------------------------------------------------------------------------------
def read_synonyms(paths: Iterable[Path | str]) -> list[str]:
    """Solr-format rules from files: `a, b, c` (equivalent) or `a, b => c` (explicit); `#` comments."""
    rules: list[str] = []
    for path in paths:
        for raw in Path(path).read_text(encoding="utf-8").splitlines():
            line = raw.split("#", 1)[0].strip()
            if line and re.search(r"\w", line):
                rules.append(line)
    return rules


def synonym_files() -> list[Path]:
    """The built-in Libyan file plus the user's (`AKHBAR_SYNONYMS`, os.pathsep-separated paths)."""
    files = [BUILTIN_SYNONYMS]
    for extra in filter(None, (load_settings().synonyms or "").split(os.pathsep)):
        path = Path(extra).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"{SYNONYMS_ENV} names {path}, which is not a file")
        files.append(path)
    return files


def synonym_rules() -> list[str]:
    return read_synonyms(synonym_files())


# -- settings ------------------------------------------------------------------------------------
SYNONYM_FILTER = "akhbar_synonyms"


def synonym_filter(rules: list[str]) -> dict:
    return {"type": "synonym_graph", "synonyms": list(rules)}


def normalise_filters(icu: bool) -> list[str]:
    # icu_folding also case-folds and strips Latin accents; the fallback spells those steps out.
    head = ["icu_folding"] if icu else ["lowercase", "asciifolding"]
    return [*head, "decimal_digit", "arabic_normalization", "persian_normalization", "akhbar_possessive"]


def stem_filters(stack_fix: bool = True, waw_fix: bool = True) -> list[str]:
    return ["akhbar_stop", *(["akhbar_prefix_stack"] if stack_fix else []),
            "akhbar_waw_stems" if waw_fix else "arabic_stem", "porter_stem"]


def analysis_settings(icu: bool = True, synonyms: list[str] | None = None, *,
                      stack_fix: bool = True, waw_fix: bool = True) -> dict:
    """Index `analysis` settings. `synonyms=None` reads the synonym files (built-in + user).
    `stack_fix`/`waw_fix` exist to measure each rule (bench/relevance.py); keep them on."""
    rules = synonym_rules() if synonyms is None else synonyms
    norm = normalise_filters(icu)
    stem = stem_filters(stack_fix, waw_fix)
    char_map = [f"\\u{c:04X}=>" for c in _MARKS + _INVISIBLE]
    char_map += [f"\\u{ord(k):04X}=>\\u{ord(v):04X}" for k, v in _CHAR_MAP.items()]
    filters: dict = {
        "akhbar_stop": {"type": "stop", "stopwords": stopwords()},
        "akhbar_possessive": {"type": "stemmer", "language": "possessive_english"},
        "akhbar_prefix_stack": {"type": "pattern_replace", "pattern": STACK_PATTERN, "replacement": "",
                                "all": False},
        # \u0001 stands in for a leading و (not before ال, which light10 must strip as وال) so that
        # arabic_stem sees no prefix; same length, so its suffix rules behave as for الو... words.
        "akhbar_waw_hide": {"type": "pattern_replace", "pattern": "^و(?!ال)", "replacement": WAW_PLACEHOLDER,
                            "all": False},
        "akhbar_waw_restore": {"type": "pattern_replace", "pattern": "^" + WAW_PLACEHOLDER,
                               "replacement": "و", "all": False},
        "akhbar_waw_stems": {"type": "multiplexer", "preserve_original": False,
                             "filters": ["akhbar_waw_hide, arabic_stem, akhbar_waw_restore", "arabic_stem"]},
    }
    # Always defined (even empty) so index.manage.update_synonyms can swap the rules in place.
    filters[SYNONYM_FILTER] = synonym_filter(rules)
    search_chain = [*norm, SYNONYM_FILTER, *stem]
    names = names_analysis("akhbar_chars")
    filters.update(names["filter"])
    return {
        "char_filter": {"akhbar_chars": {"type": "mapping", "mappings": char_map}, **names["char_filter"]},
        "filter": filters,
        "analyzer": {
            **names["analyzer"],
            INDEX_ANALYZER: {"type": "custom", "char_filter": ["akhbar_chars"], "tokenizer": "standard",
                             "filter": norm + stem},
            SEARCH_ANALYZER: {"type": "custom", "char_filter": ["akhbar_chars"], "tokenizer": "standard",
                              "filter": search_chain},
            EXACT_ANALYZER: {"type": "custom", "char_filter": ["akhbar_chars"], "tokenizer": "standard",
                             "filter": norm},
        },
    }


_ICU_CACHE: dict[str, bool] = {}


def has_icu(adapter: SearchAdapter) -> bool:
    """Does the engine know `icu_folding`? Asked once per URL with a tiny `_analyze` (plugin names
    differ between distributions and embedded classpath plugins, the filter name does not)."""
    if adapter.url not in _ICU_CACHE:
        try:
            adapter.request("POST", "/_analyze", body={"tokenizer": "keyword", "filter": ["icu_folding"],
                                                       "text": "أ"})
            _ICU_CACHE[adapter.url] = True
        except SearchRequestError:
            _ICU_CACHE[adapter.url] = False
    return _ICU_CACHE[adapter.url]
