"""Relevance of the Arabic analysis chain: MRR@10 and Recall@10, custom chain vs stock analyzers.

    python -m bench.relevance [--docs N] [--seed S] [--per-category K] [--no-ablation]

One embedded node (started here, in a temp dir), one index per analyzer variant, identical documents
and identical queries built by index.search.run_search (all versions, no collapse):

    custom          index.mapping.index_body(): the Akhbar chain + Libyan synonyms
    standard        stock `standard` analyzer in the same mapping shape
    arabic          stock `arabic` analyzer in the same mapping shape
    (ablations)     custom without one rule each: -stack, -waw, -synonyms, and the no-ICU fallback

Documents: SaudiNewsNet (../shared/corpora, read in place) + the Libyan fixture gold articles
(akhbar.fixture_site.gold) + a few Libyan mini-articles about people written here.

Judgments are known-item and derived without looking at any analyzer: a target article is drawn at
random (seeded), the query is a random choice of its title words (or lead words) rewritten the way
people type (category below), and the relevant set is the target plus its near copies (same
normalised title, or >= 50% shared word 4-grams in the body) -- for Libyan stories, every version of
the same event (other outlets, reposts, English versions).

Query categories:
    title        title words, harakat/tatweel dropped (as typed)
    no_hamza     أ إ آ -> ا, final ة -> ه, final ى -> ي
    hyper_hamza  initial ا written أ/إ (a common misspelling)
    article      ال removed from words that have it, added to one that lacks it
    clitic       title words carrying و/ف/ب/ل/ك(+ال) typed bare
    number       singular <-> plural of frequent news nouns (sound and broken plurals)
    lead         three words of the first paragraph, hamza dropped
    stack        (targets a rule) a و/ف+بال/لل/كال word of the lead typed as ال+noun, + two lead words
    waw          (targets a rule) a title word ال+و... typed without the article, + 1-2 title words
    ly_arabic    Libyan story, title words with no_hamza perturbation
    ly_latin     Libyan story, place/institution/person names typed in Latin letters
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpus import load_documents
from index import embedded
from index.adapter import SearchAdapter
from index.analysis import analysis_settings, normalise_arabic
from index.bulk import BulkAction, BulkIndexer
from index.mapping import index_body, mappings
from index.search import run_search

RESULTS = Path(__file__).resolve().parent / "results"
K = 10
# Categories aimed at one feature; "ar_general" aggregates the Arabic queries without them.
TARGETED = {"stack", "waw", "ly_latin"}

# -- user-level word lists (independent of the analyzer) --------------------------------------------
_FUNCTION_WORDS_TEXT = """
في من على إلى الى عن مع بعد قبل خلال حتى عند منذ بين ضد دون حول لدى نحو عبر تحت فوق أمام امام وراء و أو او ثم
لا لم لن ما ماذا هل قد كل بعض غير أن ان إن أنه انه التي الذي الذين هذا هذه ذلك تلك هو هي هم كان كانت يكون
عبد أبو ابو بن بنت ال اليوم أمس امس غدا غداً الآن
"""
FUNCTION_WORDS = set(_FUNCTION_WORDS_TEXT.split())

# singular, plural (no article; the article/clitics of the title word are kept)
NUMBER_PAIRS = [
    ("دولة", "دول"), ("مدينة", "مدن"), ("قوة", "قوات"), ("وزير", "وزراء"), ("طفل", "أطفال"),
    ("مواطن", "مواطنين"), ("شركة", "شركات"), ("مشروع", "مشاريع"), ("سعر", "أسعار"), ("سوق", "أسواق"),
    ("مستشفى", "مستشفيات"), ("طالب", "طلاب"), ("معلم", "معلمين"), ("مسؤول", "مسؤولين"), ("عامل", "عمال"),
    ("حاج", "حجاج"), ("جندي", "جنود"), ("لاعب", "لاعبين"), ("مباراة", "مباريات"), ("نادي", "أندية"),
    ("بنك", "بنوك"), ("قرار", "قرارات"), ("حادث", "حوادث"), ("مدرسة", "مدارس"), ("جامعة", "جامعات"),
    ("مسجد", "مساجد"), ("منطقة", "مناطق"), ("بلد", "بلدان"), ("رجل", "رجال"), ("مصنع", "مصانع"),
    ("طائرة", "طائرات"), ("صاروخ", "صواريخ"), ("هجوم", "هجمات"), ("قتيل", "قتلى"), ("جريح", "جرحى"),
    ("لاجئ", "لاجئين"), ("سجين", "سجناء"), ("عضو", "أعضاء"), ("حزب", "أحزاب"), ("شهيد", "شهداء"),
    ("إرهابي", "إرهابيين"), ("مريض", "مرضى"), ("موظف", "موظفين"), ("سيارة", "سيارات"), ("منزل", "منازل"),
    ("برنامج", "برامج"), ("مشكلة", "مشاكل"), ("خدمة", "خدمات"), ("موقع", "مواقع"), ("فرصة", "فرص"),
    ("وظيفة", "وظائف"), ("مسلح", "مسلحين"), ("قائد", "قادة"), ("حوثي", "حوثيين"), ("متهم", "متهمين"),
    ("دورة", "دورات"), ("عملية", "عمليات"), ("مشارك", "مشاركين"), ("سائق", "سائقين"), ("مركز", "مراكز"),
]

# Latin spellings people type (press usage), written for this bench; where a spelling is missing
# from index/synonyms/libya.txt the custom chain misses it, which is the point of measuring.
LATIN = {
    "طرابلس": ["Tripoli"], "بنغازي": ["Benghazi"], "مصراتة": ["Misrata", "Misurata"],
    "سبها": ["Sabha", "Sebha"], "الزاوية": ["Zawiya", "Zawia"], "سرت": ["Sirte"], "درنة": ["Derna"],
    "طبرق": ["Tobruk"], "غريان": ["Gharyan"], "الكفرة": ["Kufra"], "أوباري": ["Ubari", "Awbari"],
    "غدامس": ["Ghadames"], "غات": ["Ghat"], "زليتن": ["Zliten"], "إجدابيا": ["Ajdabiya"],
    "الشرارة": ["Sharara"], "معيتيقة": ["Mitiga", "Maitiga"], "ليبيا": ["Libya"],
    "المؤسسة الوطنية للنفط": ["NOC", "National Oil Corporation"], "مصرف ليبيا المركزي": ["CBL", "Central Bank of Libya"],
    "مجلس النواب": ["HoR", "House of Representatives"], "حكومة الوحدة الوطنية": ["GNU", "Government of National Unity"],
    "المجلس الرئاسي": ["Presidential Council"], "الدبيبة": ["Dbeibah", "Dbeiba", "Dbaiba"],
    "حفتر": ["Haftar", "Hifter"], "المنفي": ["Menfi", "al-Menfi"], "عقيلة صالح": ["Aguila Saleh", "Aqila Saleh"],
    "باشاغا": ["Bashagha"], "السراج": ["Sarraj", "Serraj"], "بعثة الأمم المتحدة": ["UNSMIL"],
    "المفوضية الوطنية العليا للانتخابات": ["HNEC"],
}

# Libyan mini-articles about people (the fixture gold has few names of people in its titles).
MINI_ARTICLES = [
    ("mini-dbeibah-misrata", [
        ("الدبيبة يفتتح مشروعات خدمية في مصراتة",
         "افتتح رئيس حكومة الوحدة الوطنية عبد الحميد الدبيبة، اليوم، عدداً من المشروعات الخدمية في مدينة مصراتة، "
         "بينها مدرسة ومحطة لتحلية المياه، بحضور عميد البلدية وعدد من الوزراء."),
        ("رئيس حكومة الوحدة الوطنية يزور مصراته ويفتتح مشروعات",
         "زار عبد الحميد الدبيبة مدينة مصراته حيث افتتح محطة تحلية ومدرسة جديدة، وأكد دعم الحكومة للبلديات."),
    ]),
    ("mini-haftar-benghazi", [
        ("حفتر يستقبل وفداً عسكرياً في بنغازي",
         "استقبل القائد العام خليفة حفتر في مقره بمنطقة الرجمة قرب بنغازي وفداً عسكرياً، وبحث الجانبان "
         "توحيد المؤسسة العسكرية."),
    ]),
    ("mini-menfi-unsmil", [
        ("المنفي يبحث مع بعثة الأمم المتحدة للدعم في ليبيا مسار الانتخابات",
         "بحث رئيس المجلس الرئاسي محمد المنفي مع رئيس بعثة الأمم المتحدة للدعم في ليبيا مسار العملية "
         "الانتخابية والقوانين اللازمة لإجراء الانتخابات."),
        ("المجلس الرئاسي والبعثة الأممية يناقشان الانتخابات",
         "ناقش محمد المنفي مع البعثة الأممية تطورات المسار الانتخابي والتنسيق مع المفوضية الوطنية العليا للانتخابات."),
    ]),
    ("mini-aguila-hor-tobruk", [
        ("عقيلة صالح يترأس جلسة لمجلس النواب في طبرق",
         "ترأس رئيس مجلس النواب عقيلة صالح جلسة رسمية في مدينة طبرق ناقشت مشروع قانون الميزانية العامة."),
    ]),
    ("mini-bashagha-sirte", [
        ("باشاغا يصل إلى سرت لعقد اجتماع حكومته",
         "وصل فتحي باشاغا إلى مدينة سرت لعقد أول اجتماع لحكومته بحضور عدد من الوزراء والنواب."),
    ]),
    ("mini-sarraj-tripoli", [
        ("السراج يلتقي عمداء البلديات في طرابلس",
         "التقى رئيس المجلس الرئاسي لحكومة الوفاق الوطني فائز السراج في طرابلس عمداء عدد من البلديات "
         "وبحث معهم ملف الخدمات."),
    ]),
    ("mini-cbl-salaries", [
        ("مصرف ليبيا المركزي يحيل مرتبات شهر مارس",
         "أعلن مصرف ليبيا المركزي إحالة مرتبات شهر مارس إلى المصارف التجارية، داعياً إلى تسهيل السحب للمواطنين."),
    ]),
    ("mini-hnec-registration", [
        ("المفوضية الوطنية العليا للانتخابات تمدد فترة تسجيل الناخبين",
         "قررت المفوضية الوطنية العليا للانتخابات تمديد فترة تسجيل الناخبين أسبوعاً إضافياً في جميع الدوائر."),
    ]),
    ("mini-derna-reconstruction", [
        ("بدء أعمال إعادة إعمار درنة بعد الفيضانات",
         "بدأت أعمال إعادة إعمار مدينة درنة بعد الفيضانات التي ضربتها، وشملت المرحلة الأولى الجسور والطرق."),
    ]),
]


@dataclass
class Query:
    qid: str
    category: str
    text: str
    relevant: set[str]
    target: str


@dataclass
class Variant:
    name: str
    body: dict
    seconds: float = 0.0
    size_bytes: int = 0
    metrics: dict = field(default_factory=dict)


# -- documents -------------------------------------------------------------------------------------
def libyan_documents() -> tuple[list[tuple[str, dict]], dict[str, set[str]]]:
    """Gold fixture articles + mini-articles; returns docs and event -> doc ids."""
    docs: list[tuple[str, dict]] = []
    events: dict[str, set[str]] = defaultdict(set)
    try:
        from akhbar.fixture_site.gold import article_url, load_gold

        gold = load_gold()
    except ImportError:  # the fixture site is optional for this bench
        gold, article_url = [], None
    for rec in gold:
        url = article_url(rec) if article_url else rec["key"]
        doc_id = "ly-" + re.sub(r"[^a-z0-9]+", "-", rec["key"].lower())
        docs.append((doc_id, {
            "url": url, "canonical_url": url, "outlet": rec["outlet"], "source_outlet": rec.get("source_outlet"),
            "title": rec["title"], "lead": rec.get("lead") or "", "body": rec["body"],
            "authors": rec.get("authors") or [], "published_at": rec.get("published_at"),
            "language": rec.get("language", "ar"), "section": rec.get("section"), "tags": rec.get("tags") or [],
            "dateline": rec.get("dateline"), "cluster_id": rec["event_id"],
        }))
        events[rec["event_id"]].add(doc_id)
    for event, versions in MINI_ARTICLES:
        for n, (title, body) in enumerate(versions):
            doc_id = f"{event}-{n}"
            url = f"https://mini.example.ly/{doc_id}"
            docs.append((doc_id, {"url": url, "canonical_url": url, "outlet": "mini", "title": title,
                                  "lead": body, "body": body, "language": "ar", "cluster_id": event,
                                  "published_at": "2023-06-01T12:00:00+02:00"}))
            events[event].add(doc_id)
    return docs, events


def words_of(text: str) -> list[str]:
    return re.findall(r"[\w\u064B-\u0652\u0640]+", text)


def content_words(text: str) -> list[str]:
    out = []
    for w in words_of(text):
        bare = strip_marks(w)
        if len(bare) >= 3 and not bare.isdigit() and bare not in FUNCTION_WORDS and not re.search(r"\d", bare):
            out.append(bare)
    return out


def strip_marks(word: str) -> str:
    return re.sub(r"[\u064B-\u0652\u0640]", "", word)


def shingles(text: str, n: int = 4) -> set[int]:
    toks = [normalise_arabic(w) for w in words_of(text)]
    return {hash(tuple(toks[i:i + n])) for i in range(max(0, len(toks) - n + 1))}


def near_copies(targets: list[str], docs: dict[str, dict]) -> dict[str, set[str]]:
    """Target -> ids with the same normalised title or >= 50% (Jaccard) shared body 4-grams."""
    title_key = {i: normalise_arabic(" ".join(words_of(d["title"]))) for i, d in docs.items()}
    by_title: dict[str, set[str]] = defaultdict(set)
    for i, key in title_key.items():
        by_title[key].add(i)
    tsh = {t: shingles(docs[t]["body"]) for t in targets}
    index: dict[int, set[str]] = defaultdict(set)
    for t, sh in tsh.items():
        for s in sh:
            index[s].add(t)
    relevant = {t: set(by_title[title_key[t]]) | {t} for t in targets}
    for i, d in docs.items():
        sh = shingles(d["body"])
        hits: dict[str, int] = defaultdict(int)
        for s in sh:
            for t in index.get(s, ()):
                hits[t] += 1
        for t, common in hits.items():
            union = len(sh) + len(tsh[t]) - common
            if union and common / union >= 0.5:
                relevant[t].add(i)
    return relevant


# -- query perturbations (user typing habits) ------------------------------------------------------
def no_hamza(w: str) -> str:
    w = re.sub("[أإآ]", "ا", w)
    w = re.sub("ة$", "ه", w)
    return re.sub("ى$", "ي", w)


def hyper_hamza(w: str, rng: random.Random) -> str:
    if w.startswith("الا") and len(w) > 4:
        return "الإ" + w[3:]
    if w.startswith("ا") and not w.startswith("ال"):
        return rng.choice("أإ") + w[1:]
    return w


def toggle_article(words: list[str], rng: random.Random) -> list[str] | None:
    """Drop ال where present; add it to one common noun lacking it (ة/ات/ية endings, no clitic)."""
    out = [w[2:] if w.startswith("ال") and len(w) > 4 else w for w in words]
    bare = [i for i, w in enumerate(words) if not w.startswith("ال") and w[0] not in "يتنوفبلك"
            and re.search("(ة|ات|ية)$", w)]
    if bare:
        i = rng.choice(bare)
        out[i] = "ال" + out[i]
    return out if out != words else None


STACKED = re.compile(r"^[وف](?:بال|لل|كال)(\w{3,})$")
CLITIC = re.compile(r"^(?:وبال|وكال|فبال|ولل|فلل|وال|فال|بال|كال|لل|و|ف|ب|ل)(?=\w{3,})")


def bare_clitic(w: str) -> str:
    m = CLITIC.match(w)
    if not m:
        return w
    prefix = m.group(0)
    rest = w[len(prefix):]
    # keep the article when the prefix carried one (وبالمدرسة -> المدرسة), as people type it
    return ("ال" + rest) if prefix.endswith("ال") or prefix.endswith("لل") else rest


def swap_number(w: str) -> str | None:
    for sing, plur in NUMBER_PAIRS:
        for a, b in ((sing, plur), (plur, sing)):
            na = normalise_arabic(a)
            nw = normalise_arabic(w)
            for pre in ("", "ال", "وال", "بال", "لل", "و", "ب", "ل"):
                if nw == normalise_arabic(pre) + na:
                    return ("ال" if "ال" in pre or pre == "لل" else "") + b
    return None


# -- query generation ------------------------------------------------------------------------------
def pick(words: list[str], k: int, rng: random.Random) -> list[str]:
    idx = sorted(rng.sample(range(len(words)), min(k, len(words))))
    return [words[i] for i in idx]


def saudi_queries(docs: dict[str, dict], saudi_ids: list[str], per_category: int,
                  rng: random.Random) -> list[Query]:
    title_counts: dict[str, int] = defaultdict(int)
    for i in saudi_ids:
        title_counts[normalise_arabic(docs[i]["title"])] += 1
    pool = [i for i in saudi_ids
            if title_counts[normalise_arabic(docs[i]["title"])] == 1
            and len(content_words(docs[i]["title"])) >= 4 and len(docs[i]["body"]) >= 400]
    rng.shuffle(pool)
    made: list[tuple[str, str, str]] = []  # (category, target, text)
    used: set[str] = set()

    def take(category: str, make) -> None:
        count = 0
        for target in pool:
            if count >= per_category:
                return
            if target in used:
                continue
            text = make(docs[target])
            if text:
                used.add(target)
                made.append((category, target, text))
                count += 1

    def k_words(doc: dict) -> list[str]:
        return pick(content_words(doc["title"]), rng.choice((2, 3)), rng)

    take("title", lambda d: " ".join(k_words(d)))
    take("no_hamza", lambda d: (lambda ws: " ".join(no_hamza(w) for w in ws)
                                if any(no_hamza(w) != w for w in ws) else None)(k_words(d)))
    take("hyper_hamza", lambda d: (lambda ws: " ".join(hyper_hamza(w, rng) for w in ws)
                                   if any(hyper_hamza(w, random.Random(0)) != w for w in ws) else None)(k_words(d)))
    take("article", lambda d: (lambda ws: " ".join(ws) if ws else None)(toggle_article(k_words(d), rng)))

    def clitic(d: dict) -> str | None:
        words = content_words(d["title"])
        with_clitic = [w for w in words if bare_clitic(w) != w]
        if not with_clitic:
            return None
        chosen = pick(words, rng.choice((2, 3)), rng)
        if not any(w in with_clitic for w in chosen):
            chosen[rng.randrange(len(chosen))] = rng.choice(with_clitic)
        return " ".join(dict.fromkeys(bare_clitic(w) for w in chosen))

    take("clitic", clitic)

    def number(d: dict) -> str | None:
        words = content_words(d["title"])
        swappable = [w for w in words if swap_number(w)]
        if not swappable:
            return None
        target_word = rng.choice(swappable)
        others = [w for w in words if w != target_word]
        chosen = [*pick(others, 2, rng), target_word]
        return " ".join(swap_number(w) or w if w == target_word else w for w in chosen)

    take("number", number)

    def lead(d: dict) -> str | None:
        words = content_words(d["lead"])
        if len(words) < 8:
            return None
        start = rng.randrange(0, len(words) - 6)
        return " ".join(no_hamza(w) for w in pick(words[start:start + 8], 3, rng))

    take("lead", lead)

    # Targeted at two rules of the chain, with the same user habit (article typed or not):
    def stack(d: dict) -> str | None:
        """A و/ف+بال/لل/كال word of the lead typed as ال+noun, with two more lead words."""
        words = content_words(d["lead"])
        stacked = [w for w in words if STACKED.match(w) and not w.startswith("وكال")]
        if not stacked or len(words) < 6:
            return None
        word = rng.choice(stacked)
        others = pick([w for w in words if w != word], 2, rng)
        return " ".join(no_hamza(w) for w in [*others, "ال" + STACKED.match(word).group(1)])

    take("stack", stack)

    def waw(d: dict) -> str | None:
        """A title word ال+و... (الوزير, الوطنية) typed without the article, with 1-2 more title words."""
        words = content_words(d["title"])
        candidates = [w for w in words if re.match(r"^الو\w{3,}", w)]
        if not candidates:
            return None
        word = rng.choice(candidates)
        others = pick([w for w in words if w != word], rng.choice((1, 2)), rng)
        return " ".join([*others, word[2:]])

    take("waw", waw)
    return [Query(f"sa-{n}", cat, text, set(), target) for n, (cat, target, text) in enumerate(made)]


def libyan_queries(ly_docs: dict[str, dict], events: dict[str, set[str]], rng: random.Random) -> list[Query]:
    queries: list[Query] = []
    for event, ids in sorted(events.items()):
        arabic = sorted(i for i in ids if ly_docs[i].get("language", "ar") == "ar")
        if not arabic:
            continue
        target = rng.choice(arabic)
        title = ly_docs[target]["title"]
        words = content_words(title)
        if len(words) >= 2:
            queries.append(Query(f"ly-ar-{event}", "ly_arabic",
                                 " ".join(no_hamza(w) for w in pick(words, 3, rng)), set(ids), target))
        # Latin spellings of the names in the target's title (longest first, no overlaps), else its city.
        text = normalise_arabic(title)
        if not any(normalise_arabic(name) in text for name in LATIN):
            text = normalise_arabic(ly_docs[target].get("dateline") or "")
        names = []
        for arabic_name in sorted(LATIN, key=len, reverse=True):
            key = normalise_arabic(arabic_name)
            if key in text:
                names.append(rng.choice(LATIN[arabic_name]))
                text = text.replace(key, " ")
        if names:
            queries.append(Query(f"ly-la-{event}", "ly_latin", " ".join(pick(names, 2, rng)), set(ids), target))
    return queries


# -- index + evaluate ------------------------------------------------------------------------------
def stock_body(analyzer: str) -> dict:
    return {"settings": {"index": {"number_of_shards": 1, "number_of_replicas": 0}},
            "mappings": mappings(analyzer=analyzer, search_analyzer=None, exact_analyzer="standard")}


def custom_body(**kwargs) -> dict:
    body = index_body(icu=kwargs.pop("icu", True))
    if kwargs:
        synonyms = kwargs.pop("synonyms", None)
        body["settings"]["analysis"] = analysis_settings(icu=True, synonyms=synonyms, **kwargs)
    return body


def variants(ablation: bool) -> list[Variant]:
    out = [Variant("custom", custom_body()), Variant("standard", stock_body("standard")),
           Variant("arabic", stock_body("arabic"))]
    if ablation:
        out += [Variant("custom-stack", custom_body(stack_fix=False)),
                Variant("custom-waw", custom_body(waw_fix=False)),
                Variant("custom-synonyms", custom_body(synonyms=[])),
                Variant("custom-noicu", custom_body(icu=False))]
    return out


def build_index(adapter: SearchAdapter, variant: Variant, docs: list[tuple[str, dict]]) -> None:
    name = f"rel-{variant.name}"
    adapter.request("DELETE", f"/{name}", params={"ignore_unavailable": "true"})
    body = json.loads(json.dumps(variant.body))
    body["settings"].setdefault("index", {})["refresh_interval"] = "-1"
    adapter.request("PUT", f"/{name}", body=body)
    started = time.perf_counter()
    result = BulkIndexer(adapter, name, batch_size=1000).run(
        (BulkAction("index", i, d) for i, d in docs), refresh=True)
    variant.seconds = time.perf_counter() - started
    if result.failed:
        raise RuntimeError(f"{variant.name}: {len(result.failed)} documents failed, e.g. {result.failed[:2]}")
    adapter.request("POST", f"/{name}/_forcemerge", params={"max_num_segments": "1"})
    adapter.refresh(name)
    adapter.request("POST", f"/{name}/_flush")
    stats = adapter.request("GET", f"/{name}/_stats/store")
    variant.size_bytes = stats["indices"][name]["primaries"]["store"]["size_in_bytes"]


def evaluate(adapter: SearchAdapter, variant: Variant, queries: list[Query]) -> dict:
    per_cat: dict[str, list[tuple[float, float]]] = defaultdict(list)
    runs = {}
    for q in queries:
        result = run_search(adapter, f"rel-{variant.name}", {"q": q.text, "size": K, "all_versions": True,
                                                           "highlight": False, "facets": False})
        ids = [h["id"] for h in result["hits"]]
        rr = next((1.0 / (rank + 1) for rank, i in enumerate(ids) if i in q.relevant), 0.0)
        recall = len(set(ids) & q.relevant) / min(len(q.relevant), K)
        per_cat[q.category].append((rr, recall))
        per_cat["all"].append((rr, recall))
        if q.category not in TARGETED:
            per_cat["ar_general"].append((rr, recall))
        runs[q.qid] = ids
    return {cat: {"mrr": sum(r for r, _ in v) / len(v), "recall": sum(c for _, c in v) / len(v), "n": len(v)}
            for cat, v in per_cat.items()} | {"_runs": runs}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=None, help="SaudiNewsNet articles (default: all)")
    ap.add_argument("--seed", type=int, default=20240101)
    ap.add_argument("--per-category", type=int, default=25)
    ap.add_argument("--no-ablation", action="store_true")
    ap.add_argument("--heap", default="2g")
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    saudi = load_documents(args.docs)
    for _, d in saudi:
        d["cluster_id"] = d["content_hash"]
    ly, events = libyan_documents()
    docs = saudi + ly
    by_id = dict(docs)
    saudi_ids = [i for i, _ in saudi]

    queries = saudi_queries(by_id, saudi_ids, args.per_category, rng)
    relevant = near_copies([q.target for q in queries], {i: by_id[i] for i in saudi_ids})
    for q in queries:
        q.relevant = relevant[q.target]
    queries += libyan_queries(dict(ly), events, rng)
    print(f"{len(docs)} documents ({len(saudi)} SaudiNewsNet + {len(ly)} Libyan), {len(queries)} queries",
          file=sys.stderr)

    home = Path(tempfile.mkdtemp(prefix="akhbar-relevance-"))
    node = embedded.start(home / "node", heap=args.heap)
    try:
        adapter = SearchAdapter(node.url, timeout=300)
        results = []
        for variant in variants(not args.no_ablation):
            build_index(adapter, variant, docs)
            variant.metrics = evaluate(adapter, variant, queries)
            print(f"  {variant.name}: indexed in {variant.seconds:.0f}s, MRR@10 {variant.metrics['all']['mrr']:.3f}",
                  file=sys.stderr)
            adapter.request("DELETE", f"/rel-{variant.name}")
            results.append(variant)
        adapter.close()
    finally:
        embedded.stop(node.pid)
        shutil.rmtree(home, ignore_errors=True)  # the node's data: up to a few hundred MB

    cats = ["all", "ar_general",
            *sorted({q.category for q in queries}, key=lambda c: [q.category for q in queries].index(c))]
    base = next(v for v in results if v.name == "arabic").metrics["all"]["mrr"]
    print(f"\nMRR@{K} / Recall@{K}  ({len(docs)} docs, {len(queries)} queries, seed {args.seed})")
    header = f"{'variant':<16}" + "".join(f"{c:>17}" for c in cats) + f"{'vs arabic':>11}"
    print(header)
    print("-" * len(header))
    print(f"{'(queries)':<16}" + "".join(f"{results[0].metrics[c]['n']:>17}" for c in cats))
    for v in results:
        cells = "".join(f"{v.metrics[c]['mrr']:>8.3f} / {v.metrics[c]['recall']:.3f}" for c in cats)
        gain = (v.metrics["all"]["mrr"] / base - 1) * 100 if base else float("nan")
        print(f"{v.name:<16}{cells}{gain:>+10.1f}%")

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"relevance-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({
        "docs": len(docs), "saudi_docs": len(saudi), "libyan_docs": len(ly), "seed": args.seed,
        "queries": [{"id": q.qid, "category": q.category, "text": q.text, "relevant": sorted(q.relevant),
                     "target": q.target} for q in queries],
        "variants": {v.name: {"index_seconds": v.seconds, "size_bytes": v.size_bytes,
                              "metrics": {c: m for c, m in v.metrics.items() if c != "_runs"},
                              "runs": v.metrics["_runs"]} for v in results},
    }, ensure_ascii=False, indent=1))
    print(f"\nwritten {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
