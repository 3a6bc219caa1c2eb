"""Names across scripts: a Latin spelling finds the Arabic form, an Arabic name finds English articles.

Every title and body has a `.translit` subfield whose tokens are *name keys*, one alphabet for both
scripts (engine analyzer `akhbar_names`):

  Arabic word -> strict key: letters folded into classes
      ا أ إ آ ى A · ب B · ت ط ث T · ج J · ح ه H · ة Q · خ X · د ض D · ذ ظ V · ر R · ز Z · س ص S · ش C
      غ G · ف F · ق ك K · ل L · م M · ن N · و W · ي Y · ع ء ؤ ئ E
    the article (ال وال بال كال فال لل) stripped; a key without a first و ف ب ل ك kept too, marked `_`
    (a clitic, or the name's own letter as in بنغازي); an initial ع/ء is the onset A; a final ء dropped.
        القذافي -> KVAFY   الدبيبة -> DBYBQ   صنعاء -> SNEA   تعز -> TEZ   عدن -> ADN   وبنغازي -> _BNGAZY
  Latin word -> loose key `~...` (same analyzer): q k g gh kh c -> K, t d th dh -> D, sh ch -> C,
    ph v f -> F, p b -> B; doubled letters once; vowels, y and w dropped except an initial vowel (A)
    or initial y/w; a final h after a vowel dropped.         Dbeibah, Dbaiba -> ~DBB   Gaddafi -> ~KDF

Matching (index.search builds the clauses):
  Latin query word -> `latin_variants`: the strict keys of the Arabic spellings it can stand for, each
    with a cost. Latin does not say which vowels are long, so each vowel group has options: unwritten
    (short), ا for a, و/ي (ou, ee, ei, final i), ع/ء (an apostrophe, aa, ai), ة or ا for a final a;
    each consonant its letters (g: ق in Libyan speech, ج in Egyptian, غ in Italian spellings; th: ث or
    ذ...). `prune` keeps the variants the archive holds (one counting request, index.search.name_counts)
    within PRUNE_TOLERANCE of the cheapest held one; exact term queries, no fuzziness.
  Arabic query word -> the search analyzer `akhbar_names_search` turns its strict key into the loose
    Latin key (long vowels, ع and ة dropped, classes merged), which matches English articles' words.

Why this and not the alternatives (bench/names_eval.py, tuning part; docs/benchmarks.md):
  * ICU transliteration (Arabic-Latin) writes one romanisation per Arabic word; the Latin side then needs
    a fuzzy match against it, and fuzzy matching on 5-letter keys joins unrelated words. It also needs
    the analysis-icu plugin, which production Elasticsearch does not ship by default.
  * A key without long vowels, ا and ة collides with common words (Aden ~ دين, Hail ~ حال, Sanaa ~ سنة,
    Sisi ~ السياسي): precision 0.51 there. The strict key keeps them and the Latin side spends its
    ambiguity on priced variants, of which the archive tells which exist: precision 0.72, hit@10 0.98.
  * The analyzer uses only `mapping`, `pattern_replace`, `multiplexer`, `unique`, `length`,
    `asciifolding` and `stop`, which OpenSearch 2 and Elasticsearch 8 both ship: no plugin.
Precision: the exact-script match (the word as typed, stemmed) outranks a transliteration (index.search:
a dis_max with the name query at NAME_BOOST); Latin article words (al-, el-) and words shorter than
MIN_LATIN letters get no variants; a Latin word gets no loose Latin-to-Latin match (Houthi ~ heat).
Of the spellings held, only the clauses weighing at least RELATIVE_CUT x the strongest held one are
searched (`strongest`: a match far below the word's best is a word that reads like the name), and a
final -ah is read as ة first (MARBUTA_EXTRA). Saved searches do not know the archive's counts: they
keep every variant up to UNPRUNED_COST in every field, so an alert may fire on a weaker match than
search shows (it fired on those before as well).
Known limits: one Latin word for a two-word Arabic name (Bengdara for بن قدارة) does not match; a name
that is also a common word (زيدان, الخمس, الكفرة ~ الكفر) matches that word too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

NAMES_ANALYZER = "akhbar_names"
NAMES_SEARCH_ANALYZER = "akhbar_names_search"
SUBFIELD = "translit"

MAX_VARIANTS = 24
MAX_COST = 1.5
MIN_LATIN = 3  # letters: shorter Latin words (al, el, bin) get no cross-script variants
_BEAM = 400
MIN_KEY = 2  # classes: a variant set whose best key is shorter is not used

# Latin article forms written before a name, as separate words or joined with a hyphen.
LATIN_ARTICLES = frozenset({"al", "el", "ad", "ed", "as", "es", "ash", "az", "ar", "at", "an", "ul", "il", "ez",
                            "er", "et", "en", "ag"})

# -- the Arabic strict key (the engine does this at index time; this copy explains matches) ---------
_AR_CLASSES = {
    "ا": "A", "أ": "A", "إ": "A", "آ": "A", "ٱ": "A", "ى": "A", "ة": "Q",
    "ء": "E", "ؤ": "E", "ئ": "E", "ع": "E",
    "ب": "B", "پ": "B", "ت": "T", "ط": "T", "ث": "T", "ج": "J", "ح": "H", "ه": "H", "خ": "X",
    "د": "D", "ض": "D", "ذ": "V", "ظ": "V", "ر": "R", "ز": "Z", "س": "S", "ص": "S", "ش": "C", "غ": "G",
    "ف": "F", "ڤ": "F", "ق": "K", "ك": "K", "ک": "K", "گ": "K", "ل": "L", "م": "M", "ن": "N", "و": "W",
    "ي": "Y", "ی": "Y",
}
# The engine's rules, in order, as (pattern, replacement); shared by the settings below and arabic_keys.
ARTICLE_RULE = (r"^(?:[WF]?[BKL]?AL|[WF]?LL)(?=\p{Lu}{2})", "")
# A one-letter clitic (و ف ب ل ك) may be one (وحفتر) or the name's own first letter (بنغازي): the key
# without it is kept too, marked `_` so a bare spelling outranks it and the archive's counts tell them apart.
CLITIC_RULE = (r"^[WFBLK](?=\p{Lu}{3})", "_")
ONSET_RULE = (r"^(_?)E", "$1A")
FINAL_E_RULE = (r"(?<=\p{Lu})E$", "")
# Strict Arabic key -> loose Latin key (search side, Arabic query words against English articles).
LOOSE_RULES = [(r"^_", ""), (r"^(?=\p{Lu})", "~"), (r"(?<!~)[WYEAQ]", ""), (r"[TV]", "D"), (r"[GX]", "K")]
# Latin token -> loose key. Lowercase in, uppercase classes out, so a rule never re-reads another's output.
LATIN_RULES = [
    (r"^(?=[a-z])", "~"),
    (r"'s$", ""), (r"['`]", ""),
    (r"(?<=[aeiouy])h$", ""),
    (r"([a-z])\1+", "$1"),
    (r"sch|sh|ch", "C"), (r"kh|gh|ck|q|k|g|c", "K"), (r"x", "KS"), (r"th|dh|t|d", "D"), (r"ph|f|v", "F"),
    (r"[pb]", "B"), (r"j", "J"), (r"s", "S"), (r"z", "Z"), (r"h", "H"), (r"l", "L"), (r"m", "M"),
    (r"n", "N"), (r"r", "R"),
    (r"^~y(?=[aeiou])", "~Y"), (r"^~w(?=[aeiou])", "~W"), (r"^~[aeiouyw]+", "~A"), (r"[aeiouyw]", ""),
]


def _java_to_py(pattern: str) -> str:
    return pattern.replace(r"\p{Lu}", "[A-Z]")


def _apply(rule: tuple[str, str], token: str) -> str:
    pattern, repl = rule
    return re.sub(_java_to_py(pattern), repl.replace("$1", r"\1"), token)


def arabic_keys(word: str) -> set[str]:
    """The strict keys the engine indexes for one Arabic word (normalised letters, no harakat)."""
    mapped = "".join(_AR_CLASSES.get(ch, "") for ch in word)
    if not mapped:
        return set()
    forms = {_apply(ARTICLE_RULE, mapped), _apply(CLITIC_RULE, mapped)}
    return {_apply(FINAL_E_RULE, _apply(ONSET_RULE, f)) for f in forms if len(f.lstrip("_")) >= 2}


def loose_keys(word: str) -> set[str]:
    """The loose keys the search analyzer makes of one Arabic word (to match English articles)."""
    out = set()
    for key in arabic_keys(word):
        for rule in LOOSE_RULES:
            key = _apply(rule, key)
        out.add(key)
    return out


def latin_loose_key(word: str) -> str:
    """The loose key the engine indexes for one Latin word (one token: no hyphens or spaces)."""
    key = re.sub(r"[^a-z']", "", fold_latin(word))
    for rule in LATIN_RULES:
        key = _apply(rule, key)
    return key


# -- Latin -> strict key variants ------------------------------------------------------------------
_CONSONANTS: dict[str, list[tuple[str, float]]] = {
    "sch": [("C", 0)], "sh": [("C", 0)], "ch": [("C", 0), ("X", 1)], "kh": [("X", 0), ("K", 1)],
    "gh": [("G", 0), ("K", 0.5)], "th": [("T", 0), ("V", 0)], "dh": [("V", 0), ("D", 0.5)],
    "ph": [("F", 0)], "ck": [("K", 0)], "dj": [("J", 0)],
    "b": [("B", 0)], "p": [("B", 0)], "t": [("T", 0)], "d": [("D", 0), ("V", 0.5)], "z": [("Z", 0), ("V", 0.5)],
    "s": [("S", 0), ("Z", 1)], "g": [("K", 0), ("J", 0.5), ("G", 0.5)], "q": [("K", 0)], "k": [("K", 0), ("X", 1)],
    "c": [("K", 0)], "j": [("J", 0)], "f": [("F", 0)], "v": [("F", 0)], "h": [("H", 0)], "l": [("L", 0)],
    "m": [("M", 0)], "n": [("N", 0)], "r": [("R", 0)], "w": [("W", 0)], "y": [("Y", 0)], "x": [("KS", 0)],
}
_DIGRAPHS = sorted((k for k in _CONSONANTS if len(k) > 1), key=len, reverse=True)
_VOWELS = set("aeiouy'")
_Y_VOWELS = {"ee", "ei", "ai", "ay", "ey", "ie", "ii", "iy", "ea"}
_W_VOWELS = {"ou", "oo", "uu", "ow", "aw", "au", "uo"}


def _vowel_options(run: str, position: str) -> list[tuple[str, float]]:
    """Options for one vowel group (`initial`, `medial` or `final` in the word): the Arabic letters it
    may stand for. Long a (ا) is written in Arabic and is what Latin a (or aa) usually is, i/e (ي) and
    o/u (و) are more often short and unwritten; ع/ء show as an apostrophe, aa, ai; a final a is ة or ا."""
    apostrophe = "'" in run
    core = run.replace("'", "")
    front = any(c in "iey" for c in core)
    back = any(c in "ou" for c in core)
    if position == "initial":
        opts = [("A", 0.0)]
        if back:
            opts.append(("AW", 0.5))
        if front:
            opts.append(("AY", 0.5))
        return opts
    if apostrophe:
        if position == "final":  # Sana'a: صنعاء (ع, then the alef-hamza)
            return [("EA", 0.0), ("E", 0.25), ("A", 0.5), ("", 0.5)]
        opts = [("E", 0.0), ("AE", 0.25), ("EA", 0.25), ("A", 0.25), ("", 1.0)]  # Ma'rib: مأرب, Ta'izz: تعز
        if front:
            opts.append(("EY", 0.5))
        if back:
            opts.append(("EW", 0.5))
        return opts
    if position == "final":
        if core == "aa":
            return [("A", 0.0), ("EA", 0.0), ("E", 0.5), ("", 0.5)]
        if core == "a":
            return [("Q", 0.0), ("A", 0.0), ("", 0.5)]
        if core == "e":
            return [("Q", 0.0), ("", 0.0), ("Y", 1.0)]
        if core[-1] in "iy" or core in _Y_VOWELS:
            return [("Y", 0.0), ("", 1.0)]
        if back:
            return [("W", 0.5), ("", 0.5)]
        return [("", 0.0)]
    # medial
    if core == "a":
        return [("", 0.0), ("A", 0.0), ("E", 1.0)]
    if core == "e":
        return [("", 0.0), ("Y", 0.5), ("A", 0.5), ("E", 1.0)]
    if core in ("i", "y"):
        return [("", 0.0), ("Y", 0.5), ("E", 1.0)]
    if core in ("o", "u"):
        return [("", 0.0), ("W", 0.5)]
    if core == "aa":
        return [("A", 0.0), ("AE", 0.5), ("EA", 0.5), ("E", 0.5)]
    if core in _Y_VOWELS:  # ei, ai: ي (Dbeibah), or ع/ء before i (Taiz, Hail); unwritten is rare
        return [("Y", 0.0), ("AY", 0.5), ("E", 0.5), ("AE", 0.5), ("", 1.0)]
    if core in _W_VOWELS:
        return [("W", 0.0), ("AW", 0.5), ("", 0.5)]
    if core == "ui":
        return [("Y", 0.5), ("W", 0.5), ("", 0.5)]
    if core in ("ae", "ea"):  # Daesh: داعش
        return [("AE", 0.0), ("E", 0.25), ("A", 0.5), ("", 0.5)]
    return [("", 0.5), ("A", 0.5), ("E", 0.5), ("Y", 0.5), ("W", 0.5)]


def fold_latin(word: str) -> str:
    """Lowercase ASCII letters and apostrophes (ʿ ʾ ’ ‘ ` -> ')."""
    word = re.sub(r"[ʿʾ’‘`´]", "'", word)
    word = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z'\-]", "", word)


def is_article_word(word: str) -> bool:
    return fold_latin(word).strip("-") in LATIN_ARTICLES


def is_latin(word: str) -> bool:
    return bool(re.search(r"[A-Za-z]", word)) and not re.search(r"[\u0600-\u06FF]", word)


def _units(word: str) -> list[tuple[str, str]]:
    """The word as ("c", consonant) / ("v", vowel group) units."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(word):
        ch = word[i]
        nxt = word[i + 1] if i + 1 < len(word) else ""
        prev_vowel = bool(out) and out[-1][0] == "v"
        # y/w before a vowel, at the start or after a vowel, is a consonant (Yefren, Zawiya, Hudaydah's y is not)
        if ch in "yw" and nxt in "aeiou" and nxt and (not out or prev_vowel):
            out.append(("c", ch))
            i += 1
            continue
        if ch in _VOWELS:
            j = i
            while j < len(word) and word[j] in _VOWELS and not (word[j] == "y" and j + 1 < len(word)
                                                                   and word[j + 1] in "aeiou" and j > i):
                j += 1
            out.append(("v", word[i:j]))
            i = j
            continue
        for dg in _DIGRAPHS:
            if word.startswith(dg, i):
                out.append(("c", dg))
                i += len(dg)
                break
        else:
            if ch in _CONSONANTS:
                out.append(("c", ch))
            i += 1
    return out


def _strip_article(word: str) -> tuple[str, float] | None:
    m = re.match(r"^(al|el)-?(?=[a-z]{4})", word)
    return (word[m.end():], 0.5) if m else None


@lru_cache(maxsize=4096)
def latin_variants(word: str) -> list[tuple[str, float]]:
    """Strict Arabic keys a Latin word may stand for, cheapest first: [(key, cost)]."""
    word = fold_latin(word)
    parts = [p for p in word.split("-") if p]
    while len(parts) > 1 and parts[0] in LATIN_ARTICLES:  # al-Sarraj, ad-Dawla
        parts = parts[1:]
    word = "".join(parts)
    word = re.sub(r"'s$", "", word).strip("'")
    if len(word.replace("'", "")) < MIN_LATIN or word in LATIN_ARTICLES:
        return []
    bases = [(word, 0.0)]
    if (stripped := _strip_article(word)) is not None:
        bases.append(stripped)
    if word.endswith("s") and len(word) > 5 and word[-2] in "aeiou":  # Houthis -> Houthi
        bases.append((word[:-1], 1.0))
    best: dict[str, float] = {}
    for base, base_cost in bases:
        # A final -ah/-eh is how romanisations write ة (Hudaydah, Zuwarah, Raqqah): nothing there is
        # dearer than after a bare -a (الحديد iron, الزوار visitors, الرق).
        marbuta = bool(re.search(r"[ae]h$", base))
        base = re.sub(r"(?<=[aeiouy])h$", "", base)
        base = re.sub(r"([b-df-hj-np-tv-z])\1+", r"\1", base)  # doubled consonants (shadda); ee, oo stay
        units = _units(base)
        options = []
        for n, (kind, text) in enumerate(units):
            if kind == "c":
                options.append(_CONSONANTS[text])
            else:
                pos = "initial" if n == 0 else "final" if n == len(units) - 1 else "medial"
                opts = _vowel_options(text, pos)
                if pos == "final" and marbuta and text in ("a", "e"):
                    opts = [(piece, cost + (MARBUTA_EXTRA if piece != "Q" else 0.0)) for piece, cost in opts]
                options.append(opts)
        # A beam over the units (the full product grows as 4^n on long words with many vowels).
        partial: dict[str, float] = {"": base_cost}
        for opts in options:
            grown: dict[str, float] = {}
            for key, cost in partial.items():
                for piece, extra in opts:
                    total = cost + extra
                    if total <= MAX_COST and total < grown.get(key + piece, 99):
                        grown[key + piece] = total
            partial = dict(sorted(grown.items(), key=lambda kv: kv[1])[:_BEAM])
        for key, cost in partial.items():
            if key and cost < best.get(key, 99):
                best[key] = cost
    ranked = sorted(best.items(), key=lambda kv: (kv[1], -len(kv[0]), kv[0]))[:MAX_VARIANTS]
    if not ranked or len(ranked[0][0]) < MIN_KEY:
        return []
    return ranked


# Extra cost of a final -ah/-eh read as anything but ة (latin_variants). Tuning part, Latin queries,
# without the cut: precision@10 0.673 -> 0.689, R-precision 0.774 -> 0.789, hit@10 0.979 both.
MARBUTA_EXTRA = 0.5
# Without knowing which spellings the archive holds (a saved search is stored before the articles it
# will match), the variants up to this cost are used.
UNPRUNED_COST = 1.0
# Of the variants the archive holds, those no dearer than the cheapest one held + this are used.
PRUNE_TOLERANCE = 0.5


def prune(variants: Sequence[tuple[str, float]], counts: Mapping[str, int] | None) -> tuple[tuple[str, float], ...]:
    """The variants worth searching. `counts`: articles per key in the archive (None: unknown; keys
    with a `_` are the same spelling after a one-letter clitic). The cheapest spelling the archive
    holds is the likeliest reading of the Latin word; dearer guesses that also exist are mostly common
    words (Bayda ~ بعد, Qadhafi ~ قذائف) and are left out."""
    if counts is None:
        return tuple(v for v in variants if v[1] <= UNPRUNED_COST)
    held = [(k, c) for k, c in variants if counts.get(k, 0) > 0]
    if not held:  # only after a clitic (وبنغازي): those count
        held = [(k, c) for k, c in variants if counts.get("_" + k, 0) > 0]
    if not held:
        return tuple(variants[:1])  # matches nothing; keeps the clause (and the word required)
    cheapest = min(c for _, c in held)
    return tuple((k, c) for k, c in held if c <= cheapest + PRUNE_TOLERANCE)


# A name-only match scores a constant per (spelling, field): field weight x 1/(1 + cost), half for a
# spelling after a one-letter clitic (`terms` queries do not score by rarity). Of those the archive
# holds, only the ones weighing at least RELATIVE_CUT x the strongest one are searched: a match far
# weaker than the best match of the same Latin word is a word that reads like the name (in bodies:
# Tajoura ~ تجرى, Msallata ~ مسلطا, Waddan ~ وأدان), shown only because nothing better is left.
# Measured on the tuning part's 142 Latin queries (bench/names_eval.py --part tune, 12,000 SaudiNewsNet
# articles + fixtures), hit@10 / precision@10 of the hits shown / R-precision@10, with MARBUTA_EXTRA:
#   no cut 0.979 / 0.689 / 0.789;  0.3: 0.979 / 0.711 / 0.791;  0.5: 0.979 / 0.785 / 0.713;
#   0.67 (a title match at cost 1 is cut too): 0.887 / 0.809 / 0.649, names lost.
# The price of 0.5: where a name is in some title, an article naming it only in its body is not found
# by the Latin spelling (R-precision 0.79 -> 0.71); typed in Arabic it still is.
RELATIVE_CUT = 0.5


def _level(weight: float, cost: float, clitic: bool) -> float:
    return round(weight * (0.5 if clitic else 1.0) / (1.0 + cost), 3)


def strongest(variants: Sequence[tuple[str, float]], counts: Mapping[str, int], weights: Mapping[str, float],
              cut: float | None = None) -> tuple[tuple[str, str, float], ...]:
    """The (spelling, field, weight) name clauses worth searching for one Latin word's `variants`
    (already pruned), given `counts`: articles per key anywhere (`KEY`, `_KEY`) and in the first field
    of `weights` alone (`title.KEY`), as index.search.name_counts gives them. A spelling counts as held
    in that field when some article has it there, and in the other fields when more articles hold it
    than hold it there. Held or not, every clause at or above the cut is kept (an article added after
    the count may match it); without any held clause nothing is cut."""
    cut = RELATIVE_CUT if cut is None else cut
    first = next(iter(weights))
    clauses: list[tuple[str, str, float]] = []
    held: list[float] = []
    for key, cost in variants:
        for form in (key, "_" + key):
            anywhere = counts.get(form, 0)
            there = counts.get(f"{first}.{form}", 0)
            for field, weight in weights.items():
                level = _level(weight, cost, form.startswith("_"))
                clauses.append((form, field, level))
                if (there > 0) if field == first else (anywhere > there):
                    held.append(level)
    if not held:
        return tuple(clauses)
    floor = cut * max(held)
    return tuple(c for c in clauses if c[2] >= floor - 1e-9)


@dataclass(frozen=True)
class NameClause:
    """The cross-script alternatives of one query word, as engine clauses on the `.translit` fields."""

    word: str
    variants: tuple[tuple[str, float], ...]  # strict keys (Latin word) or () for an Arabic word
    # (spelling, field, weight) chosen by `strongest`; None: every variant in every field
    targets: tuple[tuple[str, str, float], ...] | None = None

    def clauses(self, fields: dict[str, float]) -> list[dict]:
        out: list[dict] = []
        if self.targets is not None:
            by_field: dict[tuple[float, str], list[str]] = {}
            for form, field, level in self.targets:
                by_field.setdefault((level, field), []).append(form)
            for (level, field), forms in sorted(by_field.items(), reverse=True):
                out.append({"terms": {f"{field}.{SUBFIELD}": forms, "boost": level}})
            return out
        if self.variants:
            # Cheaper variants weigh more, a spelling after a clitic (_KEY) half (see `strongest`).
            by_boost: dict[float, list[str]] = {}
            for key, cost in self.variants:
                by_boost.setdefault(round(1.0 / (1.0 + cost), 3), []).append(key)
                by_boost.setdefault(round(0.5 / (1.0 + cost), 3), []).append("_" + key)
            for boost, keys in sorted(by_boost.items(), reverse=True):
                for name, weight in fields.items():
                    out.append({"terms": {f"{name}.{SUBFIELD}": keys, "boost": round(boost * weight, 3)}})
            return out
        # An Arabic word: its loose key against English articles' Latin spellings. (A Latin word gets
        # no loose clause: Latin to Latin the loose key joins unrelated words, Houthi ~ heat.)
        out.append({"multi_match": {"query": self.word, "fields": [f"{n}.{SUBFIELD}^{w}" for n, w in fields.items()],
                                    "type": "best_fields", "boost": 0.5}})
        return out


@lru_cache(maxsize=4096)
def name_clause(word: str) -> NameClause | None:
    """The cross-script alternatives of a query word, or None when it gets none."""
    if is_latin(word):
        folded = fold_latin(word)
        if folded in LATIN_ARTICLES or len(folded.replace("'", "").replace("-", "")) < MIN_LATIN:
            return None
        return NameClause(word, tuple(latin_variants(word)))
    if re.search(r"[\u0621-\u064A]", word):
        keys = arabic_keys(word)
        if not keys or max(len(k) for k in keys) < MIN_KEY + 1:
            return None
        return NameClause(word, ())
    return None


# -- engine settings --------------------------------------------------------------------------------
def _rule_filter(rule: tuple[str, str]) -> dict:
    return {"type": "pattern_replace", "pattern": rule[0], "replacement": rule[1], "all": True}


def char_mappings() -> list[str]:
    maps = [f"\\u{ord(k):04X}=>{v}" for k, v in _AR_CLASSES.items()]
    maps += [f"{chr(c)}=>{chr(c).lower()}" for c in range(ord("A"), ord("Z") + 1)]
    maps += ["\\u0640=>"]  # tatweel
    return maps


def analysis_parts(marks_char_filter: str) -> dict:
    """char_filter / filter / analyzer entries for the two name analyzers (merged into index.analysis)."""
    filters: dict = {
        "akhbar_names_articles": {"type": "stop", "stopwords": sorted(LATIN_ARTICLES)},
        "akhbar_names_short": {"type": "length", "min": 2},
        "akhbar_names_article": _rule_filter(ARTICLE_RULE),
        "akhbar_names_clitic_only": _rule_filter(CLITIC_RULE),
        # The article always goes; a one-letter clitic may be one (وحفتر) or the name's own letter
        # (بنغازي): both keys are kept, the second marked `_` (CLITIC_RULE).
        "akhbar_names_clitic": {"type": "multiplexer", "preserve_original": False,
                                "filters": ["akhbar_names_article", "akhbar_names_clitic_only"]},
        "akhbar_names_onset": _rule_filter(ONSET_RULE),
        "akhbar_names_final_e": _rule_filter(FINAL_E_RULE),
        "akhbar_names_unique": {"type": "unique", "only_on_same_position": True},
    }
    latin = []
    for n, rule in enumerate(LATIN_RULES):
        filters[f"akhbar_names_lat{n}"] = _rule_filter(rule)
        latin.append(f"akhbar_names_lat{n}")
    loose = []
    for n, rule in enumerate(LOOSE_RULES):
        filters[f"akhbar_names_loose{n}"] = _rule_filter(rule)
        loose.append(f"akhbar_names_loose{n}")
    arabic = ["akhbar_names_clitic", "akhbar_names_onset", "akhbar_names_final_e"]
    head = ["asciifolding", "akhbar_names_articles", "akhbar_names_short"]
    # Latin rules first: they read lowercase only; Arabic classes are uppercase from the char filter.
    index_chain = [*head, *latin, *arabic, "akhbar_names_unique"]
    search_chain = [*head, *latin, *arabic, *loose, "akhbar_names_unique"]
    char_filters = [marks_char_filter, "akhbar_names_map"]
    return {
        "char_filter": {"akhbar_names_map": {"type": "mapping", "mappings": char_mappings()}},
        "filter": filters,
        "analyzer": {
            NAMES_ANALYZER: {"type": "custom", "char_filter": char_filters, "tokenizer": "standard",
                             "filter": index_chain},
            NAMES_SEARCH_ANALYZER: {"type": "custom", "char_filter": char_filters, "tokenizer": "standard",
                                    "filter": search_chain},
        },
    }
