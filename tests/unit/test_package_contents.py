"""The wheel holds the product only: the packages pyproject ships have no test fixtures and never
import the tests' support code (tests/fixture_site: gold labels, trap and hostile pages, the dev set)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[2]
TEST_ONLY = {"gold.py", "hostile.py", "devset.py", "devweb.py", "offline.py", "trap.py", "trap.json"}


def _shipped() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    return find_packages(str(ROOT), include=include)


def test_the_wheel_ships_no_fixture_package() -> None:
    packages = _shipped()
    assert "akhbar.demo_web" in packages and "akhbar.core" in packages
    assert not [name for name in packages if name.split(".")[0] in ("tests", "bench")]
    assert not [name for name in packages if "fixture" in name]


def test_no_test_data_and_no_import_of_the_tests_in_shipped_packages() -> None:
    files = [path for name in _shipped() for path in (ROOT / name.replace(".", "/")).iterdir() if path.is_file()]
    assert not sorted(str(path.relative_to(ROOT)) for path in files if path.name in TEST_ONLY)
    offenders = []
    for path in (path for path in files if path.suffix == ".py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(ROOT)}: {name}" for name in names
                          if name.split(".")[0] in ("tests", "bench") or "fixture_site" in name]
    assert not offenders


def test_the_demo_web_serves_no_trap_outlet() -> None:
    from akhbar.demo_web.outlets import OUTLETS
    from akhbar.demo_web.sites import SITE_CLASSES
    from akhbar.demo_web.stories import load_stories

    assert [spec.slug for spec in OUTLETS] == list(SITE_CLASSES) == [
        "fx-wasat", "fx-alaan", "fx-marsad", "fx-lana", "fx-observer"]
    assert {record["outlet"] for record in load_stories()} == set(SITE_CLASSES)
