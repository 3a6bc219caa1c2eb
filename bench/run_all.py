"""Run every bench at a size that finishes in about 15 minutes on 2 cores (`make bench`).

    python bench/run_all.py                 # all of them, in the order below
    python bench/run_all.py --only relevance,growth
    python bench/run_all.py --list          # print the commands and exit

Each bench writes NAME.json (git commit, command line, cores, time, figures) to bench/results/run_all/
(not bench/results/, whose files are the ones docs/benchmarks.md quotes, each from its own command);
this runner adds run_all.json there with each command's exit code and wall time. A failing bench
does not stop the others; the exit code is 1 if any failed. The full-size commands are in
docs/benchmarks.md; these are the quick sizes, so their figures are noisier.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.results import RESULTS, RESULTS_DIR_VARIABLE, write_result  # noqa: E402

RUN_ALL_RESULTS = RESULTS / "run_all"

# name -> arguments after `python bench/NAME.py` (sizes chosen for ~15 minutes in total on 2 cores)
BENCHES: dict[str, list[str]] = {
    "extract_bench": ["--rounds", "5"],
    "dedupe_bench": ["--days", "4"],
    "relevance": ["--docs", "8000", "--per-category", "25"],
    "crawl_bench": ["--quick"],
    "search_speed": ["--docs", "8000", "--naive", "1000", "--queries", "200"],
    "api_vs_direct": ["--docs", "8000", "--duration", "15"],
    "growth": ["--fraction", "0.1", "--scales", "1,4,10"],
    "e2e_bench": ["--rounds", "1"],
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="comma-separated bench names")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.only.split(",")] if args.only else list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        print(f"unknown bench(es): {', '.join(unknown)}; known: {', '.join(BENCHES)}", file=sys.stderr)
        return 2
    commands = {n: [sys.executable, f"bench/{n}.py", *BENCHES[n]] for n in names}
    if args.list:
        for cmd in commands.values():
            print("python " + " ".join(cmd[1:]))
        return 0
    runs = {}
    env = {**os.environ, RESULTS_DIR_VARIABLE: str(RUN_ALL_RESULTS)}
    started = time.perf_counter()
    for n, cmd in commands.items():
        print(f"\n=== {n}: python {' '.join(cmd[1:])}", flush=True)
        t0 = time.perf_counter()
        code = subprocess.run(cmd, cwd=ROOT, env=env).returncode
        runs[n] = {"command": "python " + " ".join(cmd[1:]), "exit_code": code,
                   "seconds": round(time.perf_counter() - t0, 1)}
        print(f"=== {n}: exit {code} in {runs[n]['seconds']:.0f} s", flush=True)
    total = time.perf_counter() - started
    write_result("run_all", {"total_seconds": round(total, 1), "runs": runs}, out_dir=RUN_ALL_RESULTS)
    failed = [n for n, r in runs.items() if r["exit_code"]]
    print(f"\n{len(runs) - len(failed)}/{len(runs)} benches passed in {total / 60:.1f} min"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
