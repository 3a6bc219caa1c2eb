"""The layout is the architecture: a ground floor (akhbar.core), the stages above it, the interfaces on top.

Every import in the project (module level and inside functions, found with `ast`) must go down or sideways
within its own package, never up and never across stages. See docs/architecture.md."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ("akhbar", "crawler", "workers", "index")
# Top-level folders that are not the product: each is checked to be outside the wheel.
NOT_PRODUCT = ("tests", "bench", "docs", "docker")

# (package prefix of the importer, prefixes it may import). The first matching rule wins, so the more
# specific prefixes come first.
RULES: list[tuple[str, tuple[str, ...]]] = [
    ("akhbar.core", ("akhbar.core",)),
    ("workers.clean", ("akhbar.core", "workers.clean")),
    ("workers.dedupe", ("akhbar.core", "workers.dedupe")),
    ("index", ("akhbar.core", "index")),
    # The crawler may use the cleaning stage's pure text functions (encodings, dates) on what it fetches.
    ("crawler", ("akhbar.core", "crawler", "workers.clean")),
    # workers.tasks and workers.beat wire the stages together: clean -> dedupe -> index.
    ("workers", ("akhbar.core", "workers", "index")),
    ("akhbar", PROJECT),
]


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_imports(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """Every import of a project module in the file, with its line: absolute, relative and in functions."""
    module = _module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                names = [".".join([*base, node.module] if node.module else base)]
            else:
                names = [node.module or ""]
        else:
            continue
        found += [(node.lineno, n) for n in names if n.split(".")[0] in PROJECT]
    return found


def allowed(importer: str, imported: str) -> bool:
    for prefix, targets in RULES:
        if importer == prefix or importer.startswith(prefix + "."):
            return any(imported == t or imported.startswith(t + ".") for t in targets)
    return True


def violations(root: Path = ROOT) -> list[str]:
    out = []
    for top in PROJECT:
        for path in sorted((root / top).rglob("*.py")):
            if "target" in path.parts:
                continue
            importer = _module_name(path, root)
            for line, imported in project_imports(path, root):
                if not allowed(importer, imported):
                    out.append(f"{path.relative_to(root)}:{line}: {importer} imports {imported}")
    return out


def test_no_import_goes_up_or_across_the_floors() -> None:
    assert violations() == []


@pytest.mark.parametrize(("importer", "imported", "ok"), [
    ("akhbar.core.jobs", "akhbar.core.keys", True),
    ("akhbar.core.jobs", "workers.tasks", False),      # the ground imports nothing above it
    ("index.search", "akhbar.core.config", True),
    ("index.search", "akhbar.api", False),             # a stage never imports an interface
    ("index.bulk", "workers.dedupe", False),           # nor another stage
    ("workers.dedupe.store", "workers.clean.dates", False),
    ("crawler.listing", "workers.clean.dates", True),  # pure text functions are shared
    ("crawler.pipelines", "akhbar.core.celery_app", True),
    ("crawler.pipelines", "workers.tasks", False),
    ("workers.tasks", "index.bulk", True),
    ("akhbar.cli", "workers.tasks", True),
])
def test_rules(importer: str, imported: str, ok: bool) -> None:
    assert allowed(importer, imported) is ok


def test_an_upward_import_is_caught(tmp_path: Path) -> None:
    """The check sees imports inside functions too: plant one in a copy of the ground floor and watch it fail."""
    core = tmp_path / "akhbar" / "core"
    core.mkdir(parents=True)
    for name in ("crawler", "workers", "index"):
        (tmp_path / name).mkdir()
    (core / "jobs.py").write_text("def f():\n    from workers.tasks import index_flush\n    return index_flush\n")
    assert violations(tmp_path) == ["akhbar/core/jobs.py:2: akhbar.core.jobs imports workers.tasks"]


def top_level_packages(root: Path = ROOT) -> set[str]:
    """Folders at the root holding Python code (a package, or modules), hidden and build folders aside."""
    return {
        d.name for d in root.iterdir()
        if d.is_dir() and not d.name.startswith(".") and not d.name.endswith(".egg-info")
        and (any(d.glob("*.py")) or any(d.glob("*/__init__.py")))
    }


def test_every_top_level_package_is_on_a_floor_or_declared_outside_the_product() -> None:
    """A new top-level package must join PROJECT (and so the rules) or NOT_PRODUCT; it is never unchecked."""
    assert sorted(top_level_packages() - set(PROJECT) - set(NOT_PRODUCT)) == []


def test_the_wheel_holds_exactly_the_floors() -> None:
    import tomllib

    from setuptools import find_packages

    find = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    packages = find_packages(str(ROOT), include=find["include"], exclude=find.get("exclude", ()))
    assert {p.split(".")[0] for p in packages} == set(PROJECT)


def test_a_new_top_level_package_is_noticed(tmp_path: Path) -> None:
    for name in (*PROJECT, "tests", "newstage"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    (tmp_path / ".venv").mkdir()
    assert top_level_packages(tmp_path) == {*PROJECT, "tests", "newstage"}


# -- references by name ----------------------------------------------------------------------------------
# A floor can reach another without importing it: a Celery task name, a module the Celery app loads, a
# `python -m` command line. Such names live in one table (akhbar/core/messages.py); anywhere else, a module
# named in a string follows the import rules, and a task name is never spelled out.
NAME_TABLE = "akhbar/core/messages.py"
DOTTED = re.compile(r"^(?:" + "|".join(PROJECT) + r")(?:\.\w+)+$")


def _not_references(tree: ast.AST) -> set[int]:
    """ids of string constants that are names of something else: logger names, signal dispatch ids."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called == "getLogger":
                skip.update(id(arg) for arg in node.args)
            skip.update(id(kw.value) for kw in node.keywords if kw.arg == "dispatch_uid")
    return skip


def string_names(path: Path) -> list[tuple[int, str]]:
    """Every string constant in the file that looks like a dotted project name ('crawler.run', 'akhbar.clean')."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _not_references(tree)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
            and DOTTED.match(node.value)]


def is_module(name: str, root: Path = ROOT) -> bool:
    path = root.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def product_files(root: Path = ROOT) -> list[Path]:
    return [p for top in PROJECT for p in sorted((root / top).rglob("*.py")) if "target" not in p.parts]


def task_names() -> set[str]:
    from akhbar.core.celery_app import app

    app.loader.import_default_modules()  # the task modules the app names (TASK_MODULES)
    return {name for name in app.tasks if not name.startswith("celery.")}


def test_every_task_is_in_the_table() -> None:
    from akhbar.core import messages

    assert task_names() <= set(messages.TASK_QUEUES)
    assert set(messages.TASK_QUEUES) <= task_names()


def test_the_table_names_modules_that_exist() -> None:
    from akhbar.core import messages

    for name in (*messages.TASK_MODULES, messages.CRAWLER_MODULE):
        assert is_module(name), name


def test_task_names_are_spelled_only_in_the_table() -> None:
    tasks = task_names()
    found = [f"{path.relative_to(ROOT)}:{line}: {value}" for path in product_files()
             if path.relative_to(ROOT).as_posix() != NAME_TABLE
             for line, value in string_names(path) if value in tasks]
    assert found == []


def test_modules_named_in_strings_follow_the_floors() -> None:
    found = []
    for path in product_files():
        if path.relative_to(ROOT).as_posix() == NAME_TABLE:
            continue
        importer = _module_name(path)
        for line, value in string_names(path):
            if is_module(value) and not allowed(importer, value):
                found.append(f"{path.relative_to(ROOT)}:{line}: {importer} names {value}")
    assert found == []


def test_a_module_named_upwards_is_caught(tmp_path: Path) -> None:
    (tmp_path / "crawler").mkdir()
    (tmp_path / "crawler" / "run.py").write_text("")
    jobs = tmp_path / "jobs.py"
    jobs.write_text('import logging\nlog = logging.getLogger("crawler.run")\ncmd = ["-m", "crawler.run"]\n')
    names = string_names(jobs)
    assert names == [(3, "crawler.run")]  # the logger name is not a reference
    assert is_module("crawler.run", tmp_path) and not allowed("akhbar.core.jobs", "crawler.run")
