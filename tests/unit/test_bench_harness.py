"""The bench harness's own rules: results files carry their provenance, and the relevance set is built
without the analyzer's normaliser, with disjoint development and report sets."""

from __future__ import annotations

import ast
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import relevance  # noqa: E402
from bench.results import write_result  # noqa: E402


def test_write_result_records_commit_command_cores_and_time(tmp_path):
    path = write_result("unit", {"x": 1}, details={"big": [1, 2]}, out_dir=tmp_path)
    data = json.loads(path.read_text())
    assert data["bench"] == "unit" and data["figures"] == {"x": 1}
    assert len(data["git_commit"].split("+")[0]) == 40
    assert data["command"].startswith("python ")
    assert data["cores"] >= 1 and data["timestamp_utc"].endswith("Z")
    assert json.loads((tmp_path / "unit.details.json").read_text()) == {"big": [1, 2]}


def test_make_bench_writes_apart_from_the_results_the_docs_quote(tmp_path, monkeypatch):
    from bench import run_all
    from bench.results import RESULTS, RESULTS_DIR_VARIABLE

    monkeypatch.setenv(RESULTS_DIR_VARIABLE, str(tmp_path / "quick"))
    assert write_result("unit", {"x": 1}) == tmp_path / "quick" / "unit.json"
    assert run_all.RUN_ALL_RESULTS != RESULTS and run_all.RUN_ALL_RESULTS.parent == RESULTS


def test_relevance_bench_does_not_use_the_chain_for_queries_or_judgments():
    tree = ast.parse((ROOT / "bench" / "relevance.py").read_text())
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    from_analysis = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                     and n.module == "index.analysis" for a in n.names}
    assert "normalise_arabic" not in names
    assert from_analysis <= {"analysis_settings"}  # only to build the no-synonyms ablation index


def test_typing_noise_model():
    assert relevance.typed_hamza("أحمد") == "احمد"
    assert relevance.typed_al("المدينة") == "مدينة"
    assert relevance.typed_al("الى") == "الى"  # too short to be an article + noun
    assert relevance.typed_ta("المدينة") == "المدينة".replace("ة", "ه")
    assert relevance.typed_ya("بوروندي") == "بوروندى"
    assert relevance.typed_all("الإمارة") == "امارة".replace("ة", "ه")


def _corpus() -> dict[str, dict]:
    rng = random.Random(3)
    vocab = [f"كلمة{chr(0x0628 + i % 20)}{chr(0x0628 + i // 20 % 20)}" for i in range(400)]
    docs = {}
    for s in range(60):
        body = " ".join(rng.choice(vocab) for _ in range(80))
        title = " ".join(rng.choice(vocab) for _ in range(6))
        for v, outlet in enumerate(("a", "b")):
            docs[f"d{s:03d}{v}"] = {"title": title if v == 0 else " ".join(reversed(title.split())),
                                    "lead": body, "body": body + (" ذيل" if v else ""), "outlet": outlet}
    return docs


def test_story_groups_use_raw_shingles():
    docs = _corpus()
    story = relevance.story_groups(docs)
    assert story["d0000"] == story["d0001"]
    assert story["d0000"] != story["d0010"]


def test_dev_and_report_sets_share_no_text_and_hold_out_the_query_source():
    docs = _corpus()
    story = relevance.story_groups(docs)
    report, dev, _ = relevance.make_query_sets(docs, story, 10, seed=2, dev_seed=1, places={})
    assert report and dev
    assert not {q.text for q in report} & {q.text for q in dev}
    for q in report + dev:
        assert q.held_out is None or q.held_out not in q.relevant
        assert q.relevant
