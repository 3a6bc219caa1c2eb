"""Deduper under real concurrency: several worker processes call assign() on copies of one story
at the same moment, many rounds, against the real redis-server of tests/conftest.py.

The requirement: however the calls interleave, every story ends as exactly one cluster whose
members all agree on cluster_id; a same-outlet copy under another URL is an exact duplicate (one
of the two is kept, never both, never neither); a doc id sent twice at once is stored once;
independent reports of one event stay apart; replaying everything changes nothing.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from workers.dedupe import Deduper

pytestmark = pytest.mark.integration

WORKERS = 4
ROUNDS = 48

VOCAB = [
    "قال",
    "أكد",
    "أعلن",
    "أوضح",
    "أشار",
    "أضاف",
    "المجلس",
    "الحكومة",
    "الوزارة",
    "البلدية",
    "المواطنين",
    "المدينة",
    "الطريق",
    "المشروع",
    "الاجتماع",
    "اللجنة",
    "الخطة",
    "الأسبوع",
    "اليوم",
    "أمس",
    "الماضي",
    "المقبل",
    "خلال",
    "بعد",
    "قبل",
    "حول",
    "بشأن",
    "لدعم",
    "لتوفير",
    "الخدمات",
    "الكهرباء",
    "المياه",
    "الصحة",
    "التعليم",
    "النقل",
    "الأمن",
    "الاقتصاد",
    "الميزانية",
    "الرواتب",
    "الوقود",
    "السيولة",
    "المصارف",
    "النفط",
    "الموانئ",
    "المطار",
    "الحدود",
    "الجنوب",
    "الشرق",
    "الغرب",
    "الساحل",
    "الجبل",
    "الصحراء",
    "القرى",
    "الأحياء",
    "المستشفى",
    "المدرسة",
    "الجامعة",
    "الشركة",
    "المؤسسة",
    "الهيئة",
    "المركز",
    "المكتب",
    "الإدارة",
    "الفرق",
    "الأعمال",
    "الصيانة",
    "التنفيذ",
    "المتابعة",
    "التقرير",
    "البيان",
    "التصريح",
    "المؤتمر",
    "الزيارة",
    "الوفد",
    "الرئيس",
    "المدير",
    "المسؤول",
    "الناطق",
    "عدد",
    "نسبة",
    "قيمة",
    "حجم",
    "مستوى",
    "ارتفاع",
    "انخفاض",
    "زيادة",
    "تراجع",
    "توقف",
    "استئناف",
    "افتتاح",
    "إغلاق",
    "تسليم",
    "استلام",
    "جديد",
    "كبير",
    "صغير",
    "عاجل",
    "رسمي",
    "محلي",
    "دولي",
    "عام",
    "خاص",
    "سريع",
    "بطيء",
    "كامل",
    "جزئي",
    "مؤقت",
    "دائم",
    "واسع",
    "محدود",
]
PLACES = ["طرابلس", "بنغازي", "مصراتة", "سبها", "الزاوية", "سرت", "درنة", "غات"]


def sentence(rng: random.Random, n: int, must: list[str]) -> str:
    ws = [rng.choice(VOCAB) for _ in range(n)]
    for w in must:
        ws[rng.randrange(n)] = w
    return " ".join(ws) + "."


def story(rng: random.Random, facts: list[str]) -> str:
    """Four paragraphs of two sentences; `facts` (names, numbers) appear in it."""
    return "\n\n".join(
        " ".join(sentence(rng, 14, facts[:2] if p == 0 else []) for _ in range(2)) for p in range(4)
    )


def copies(body: str) -> list[str]:
    paras = body.split("\n\n")
    return [
        body,  # the original
        "متابعات - بوابة ليبيا: نقلا عن وكالة الأنباء الليبية\n\n" + body,  # extra intro line
        body + "\n\nالمصدر: صحيفة المرصد",  # outlet credit
        "\n\n".join(paras[:-1]),  # trimmed last paragraph
    ]


@dataclass(frozen=True)
class Call:
    doc_id: str
    outlet: str | None
    body: str
    published_at: str | None


@dataclass
class Plan:
    rounds: list[list[list[Call]]]  # round -> worker -> calls
    stories: dict[str, list[str]]  # story -> doc ids of its stored copies
    independent: list[list[str]]  # groups of doc ids that must be in distinct clusters
    dup_pairs: list[tuple[str, str]]  # same outlet + body, different doc ids
    same_id: list[str]  # doc ids assigned by two workers at once


def make_plan(seed: int) -> Plan:
    rng = random.Random(seed)
    plan = Plan([], {}, [], [], [])
    for r in range(ROUNDS):
        facts = [rng.choice(PLACES), str(rng.randint(10, 9999))]
        kind = r % 4
        if kind in (0, 1):
            # four copies of one story, one per worker, from four outlets; published in order
            bodies = copies(story(rng, facts))
            ids = [f"s{r}-c{i}" for i in range(WORKERS)]
            plan.stories[f"s{r}"] = ids
            plan.rounds.append(
                [
                    [Call(ids[i], f"outlet-{i}", bodies[i], f"2024-06-01T{8 + i:02d}:00:00+02:00")]
                    for i in range(WORKERS)
                ]
            )
        elif kind == 2:
            # two URLs of one outlet's article at once, and one doc id sent twice at once
            body = story(rng, facts)
            other = story(rng, facts)
            a, b, same = f"d{r}-a", f"d{r}-b", f"d{r}-same"
            plan.dup_pairs.append((a, b))
            plan.same_id.append(same)
            plan.rounds.append(
                [
                    [Call(a, "alwasat", body, None)],
                    [Call(b, "alwasat", body.replace("،", ","), None)],
                    [Call(same, "lana", other, "2024-06-01T10:00:00+02:00")],
                    [Call(same, "lana", other, "2024-06-01T10:00:00+02:00")],
                ]
            )
        else:
            # independent reports of one event: same place and number, different sentences
            ids = [f"i{r}-{i}" for i in range(WORKERS)]
            plan.independent.append(ids)
            plan.rounds.append(
                [[Call(ids[i], f"outlet-{i}", story(rng, facts), None)] for i in range(WORKERS)]
            )
    return plan


def _worker(url: str, prefix: str, wid: int, plan: Plan, barrier, out) -> None:  # type: ignore[no-untyped-def]
    client = redis.Redis.from_url(url)
    dd = Deduper(client, prefix=prefix)
    results = []
    for r, per_worker in enumerate(plan.rounds):
        barrier.wait(timeout=60)
        for call in per_worker[wid]:
            t0 = time.monotonic()
            d = dd.assign(call.doc_id, outlet=call.outlet, body=call.body, published_at=call.published_at)
            results.append((r, call.doc_id, d.status, d.duplicate_of, d.cluster_id, t0, time.monotonic()))
    out.put((wid, results))
    client.close()


def run_concurrently(url: str, prefix: str, plan: Plan) -> list[tuple]:
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(WORKERS)
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, prefix, w, plan, barrier, out)) for w in range(WORKERS)]
    for p in procs:
        p.start()
    results: list[tuple] = []
    for _ in procs:
        results.extend(out.get(timeout=120)[1])
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0, f"worker {p.pid} failed with {p.exitcode}"
    return results


def state(client: redis.Redis, prefix: str) -> dict[bytes, object]:
    out: dict[bytes, object] = {}
    for key in client.scan_iter(match="{" + prefix + "}:*", count=1000):
        out[key] = client.hgetall(key) if client.type(key) == b"hash" else client.get(key)
    return out


@pytest.fixture
def prefix(client: redis.Redis) -> Iterator[str]:
    p = f"test:dedupe-race:{uuid.uuid4().hex[:8]}"
    yield p
    for key in client.scan_iter(match="{" + p + "}:*", count=1000):
        client.delete(key)


def test_concurrent_copies_end_in_one_cluster(redis_url: str, client: redis.Redis, prefix: str) -> None:
    plan = make_plan(seed=11)
    results = run_concurrently(redis_url, prefix, plan)
    assert len(results) == sum(len(calls) for rnd in plan.rounds for calls in rnd)

    # Calls of one round really ran at the same time (otherwise this test proves nothing): count
    # the rounds where at least two calls were in flight together.
    spans: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for r, *_rest, t0, t1 in results:
        spans[r].append((t0, t1))
    overlapping = sum(
        1
        for s in spans.values()
        if any(a0 < b1 and b0 < a1 for (a0, a1), (b0, b1) in itertools.combinations(s, 2))
    )
    assert overlapping >= ROUNDS // 4, f"only {overlapping}/{ROUNDS} rounds had concurrent calls"

    dd = Deduper(client, prefix=prefix)
    # one cluster per story; every member agrees on the cluster id and the member list
    for name, ids in plan.stories.items():
        infos = [dd.lookup(i) for i in ids]
        assert all(info is not None for info in infos), name
        assert {info.cluster_id for info in infos} == {ids[0]}, name  # c0 is published first
        assert all({m.doc_id for m in info.members} == set(ids) for info in infos), name
        assert infos[0].also_published_by(ids[0]) == ["outlet-1", "outlet-2", "outlet-3"]

    by_id: dict[str, list[tuple]] = defaultdict(list)
    for row in results:
        by_id[row[1]].append(row)
    # same outlet, same body, two URLs at once: exactly one kept, the other points at it
    for a, b in plan.dup_pairs:
        (ra,), (rb,) = by_id[a], by_id[b]
        statuses = sorted([ra[2], rb[2]])
        assert statuses == ["exact_duplicate", "new"], (a, b, statuses)
        kept, dropped = (ra, rb) if ra[2] == "new" else (rb, ra)
        assert dropped[3] == kept[1]
        assert dd.lookup(dropped[1]) is None and dd.lookup(kept[1]) is not None
    # one doc id twice at once: stored once
    for same in plan.same_id:
        assert sorted(r[2] for r in by_id[same]) == ["new", "unchanged"]
        assert len({r[4] for r in by_id[same]}) == 1
    # independent reports stay apart even when processed together
    for ids in plan.independent:
        assert len({dd.lookup(i).cluster_id for i in ids}) == len(ids)

    stored = sum(len(v) for v in plan.stories.values()) + len(plan.dup_pairs) + len(plan.same_id)
    stored += sum(len(ids) for ids in plan.independent)
    stats = dd.stats(sample=None)
    assert stats["docs"] == stored
    assert stats["multi_member_clusters"] == len(plan.stories)

    # Replaying every call (concurrently again) is a no-op.
    before = state(client, prefix)
    replay = run_concurrently(redis_url, prefix, plan)
    assert state(client, prefix) == before
    assert Counter(r[2] for r in replay) == Counter(
        {"unchanged": stored + len(plan.same_id), "exact_duplicate": len(plan.dup_pairs)}
    )


def test_many_workers_one_story_with_reordered_dates(
    redis_url: str, client: redis.Redis, prefix: str
) -> None:
    """All workers hit the same story every round, the earliest copy arriving at a random
    position: the cluster id always ends as the earliest copy and members agree."""
    rng = random.Random(5)
    rounds: list[list[list[Call]]] = []
    expected: dict[str, tuple[set[str], str]] = {}
    for r in range(24):
        bodies = copies(story(rng, [rng.choice(PLACES), str(r)]))
        hours = rng.sample(range(6, 20), WORKERS)
        ids = [f"r{r}-{i}" for i in range(WORKERS)]
        rounds.append(
            [
                [Call(ids[i], f"o{i}", bodies[i], f"2024-06-02T{hours[i]:02d}:15:00+02:00")]
                for i in range(WORKERS)
            ]
        )
        expected[f"r{r}"] = (set(ids), ids[hours.index(min(hours))])
    run_concurrently(redis_url, prefix, Plan(rounds, {}, [], [], []))
    dd = Deduper(client, prefix=prefix)
    for ids, earliest in expected.values():
        infos = [dd.lookup(i) for i in ids]
        assert {i.cluster_id for i in infos} == {earliest}
        assert all({m.doc_id for m in i.members} == ids for i in infos)
