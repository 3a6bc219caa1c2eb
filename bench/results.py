"""One place where every bench writes its figures: bench/results/NAME.json.

    from bench.results import write_result
    write_result("relevance", figures, details=big_dict)   # -> bench/results/relevance.json (+ .details.json)

NAME.json is small and meant to be committed next to the docs that quote it: the git commit the
figures come from (with a "+dirty" mark when the worktree had uncommitted changes), the exact
command line, the machine's core count and load, a UTC timestamp, and the figures. Bulky material
(per-query runs, error lists) goes to NAME.details.json, which is gitignored.

`BENCH_RESULTS_DIR` moves them elsewhere: `make bench` (bench/run_all.py) writes its quick runs to
bench/results/run_all/, so they never overwrite the files docs/benchmarks.md quotes.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
RESULTS_DIR_VARIABLE = "BENCH_RESULTS_DIR"


def git_commit() -> str:
    """HEAD's hash, "+dirty" when tracked files differ from it (the figures may not be from HEAD). Results
    files do not count: `make bench` rewrites them one bench after another, and its later benches were
    all marked dirty by the earlier ones' output."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":(exclude)bench/results"], cwd=REPO, capture_output=True, text=True,
                               timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def command_line(argv: list[str] | None = None) -> str:
    """The command as it can be retyped from the repo root."""
    args = list(sys.argv if argv is None else argv)
    script = Path(args[0]) if args else Path("?")
    try:
        shown = str(script.resolve().relative_to(REPO))
    except ValueError:
        shown = str(script)
    return shlex.join(["python", shown, *args[1:]])


def environment() -> dict[str, Any]:
    return {
        "git_commit": git_commit(),
        "command": command_line(),
        "cores": os.cpu_count(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "timestamp_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def write_result(name: str, figures: dict[str, Any], *, details: dict[str, Any] | None = None,
                 out_dir: Path | None = None) -> Path:
    """Write NAME.json (environment + figures); bulky `details` to NAME.details.json. Returns the path."""
    out_dir = out_dir or Path(os.environ.get(RESULTS_DIR_VARIABLE) or RESULTS)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.json"
    payload = {"bench": name, **environment(), "figures": figures}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str) + "\n")
    if details is not None:
        (out_dir / f"{name}.details.json").write_text(json.dumps(details, ensure_ascii=False, default=str))
    print(f"written {path.relative_to(REPO) if path.is_relative_to(REPO) else path}", file=sys.stderr)
    return path
