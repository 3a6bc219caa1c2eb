"""docs/architecture.md is the map a newcomer reads first: every module of the product is on it.

The tree block names each module either by its path from the project root (`workers/tasks.py`) or, on a line
under a folder heading (`crawler/`, `  spiders/outlet.py`), by its path inside that folder."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("akhbar", "crawler", "workers", "index")
MODULE = re.compile(r"(?<![\w/.])((?:[\w]+/)*[\w]+\.py)\b")


def tree_block(text: str) -> str:
    """The fenced block that lists the modules (the one whose first line is the ground floor)."""
    blocks = re.findall(r"```\n(.*?)```", text, flags=re.S)
    return next(b for b in blocks if b.lstrip().startswith("akhbar/core/"))


def documented_modules(text: str) -> set[str]:
    found: set[str] = set()
    folder = ""
    for line in tree_block(text).splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            head = line.split()[0]
            # A heading is a folder (`akhbar/core/`) or a module with its folder (`workers/tasks.py`).
            folder = head if head.endswith("/") else head.rpartition("/")[0] + "/"
        for name in MODULE.findall(line):
            found.add(name if name.split("/")[0] in PRODUCT else folder + name)
    return found


def product_modules(root: Path = ROOT) -> set[str]:
    out = set()
    for top in PRODUCT:
        for path in (root / top).rglob("*.py"):
            rel = path.relative_to(root)
            if path.name == "__init__.py" or "target" in rel.parts or "node_modules" in rel.parts:
                continue
            out.add(rel.as_posix())
    return out


def test_every_module_is_on_the_map() -> None:
    documented = documented_modules((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"))
    assert sorted(product_modules() - documented) == []


def test_the_map_names_no_module_that_is_gone() -> None:
    documented = documented_modules((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"))
    assert sorted(documented - product_modules()) == []


def test_the_parser_reads_both_forms(tmp_path: Path) -> None:
    text = "x\n```\nakhbar/core/   GROUND\n  config.py  settings;  keys.py  keys\ncrawler/   STAGE 1\n" \
           "  spiders/outlet.py  the spider\nworkers/tasks.py  wiring;  beat.py  recurring\n```\n"
    assert documented_modules(text) == {
        "akhbar/core/config.py", "akhbar/core/keys.py", "crawler/spiders/outlet.py",
        "workers/tasks.py", "workers/beat.py",
    }
