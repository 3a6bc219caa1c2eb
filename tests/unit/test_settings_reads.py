"""Only akhbar/core/config.py reads AKHBAR_* environment variables: every other module reads the typed
Settings (load_settings()), so each variable has one default, one parser and one doc."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("akhbar", "crawler", "workers", "index")
ALLOWED = {
    "akhbar/core/config.py": "the table itself",
    # Masks secret values wherever they appear: it scans the raw environment, compose secrets outside the
    # table included, and must not fail on a malformed number elsewhere.
    "akhbar/core/redact.py": "secret values to mask",
}
ALLOWED_DIRS: tuple[str, ...] = ()
ENVIRON = {"environ", "env", "os.environ"}


def _names(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "AKHBAR_..." constants, so `environ.get(ENV_VAR)` is seen too."""
    found = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def _akhbar_name(node: ast.AST | None, constants: dict[str, str]) -> str | None:
    value = None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        value = node.value
    elif isinstance(node, ast.Name):
        value = constants.get(node.id)
    return value if value and value.startswith("AKHBAR_") else None


def env_reads(source: str) -> list[str]:
    """`line: name` of each read of an AKHBAR_* variable: os.getenv, environ.get/[...], click's envvar=."""
    tree = ast.parse(source)
    constants = _names(tree)
    found = []
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Call):
            func = ast.unparse(node.func)
            if func in ("os.getenv", "getenv") or (
                    isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "pop", "setdefault")
                    and ast.unparse(node.func.value) in ENVIRON):
                name = _akhbar_name(node.args[0] if node.args else None, constants)
            for keyword in node.keywords:
                if keyword.arg == "envvar":
                    name = name or _akhbar_name(keyword.value, constants)
        elif (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
              and ast.unparse(node.value) in ENVIRON):
            name = _akhbar_name(node.slice, constants)
        if name:
            found.append(f"{node.lineno}: {name}")
    return found


def test_the_scan_sees_each_kind_of_read() -> None:
    source = ('import os\nV = "AKHBAR_X"\na = os.environ.get("AKHBAR_A", "1")\nb = os.getenv(V)\n'
              'c = os.environ["AKHBAR_C"]\nd = environ.get("AKHBAR_D")\n'
              'e = dict(os.environ, AKHBAR_E="set for a child")\nf = {**os.environ, "AKHBAR_F": "1"}\n'
              'g = option("--g", envvar="AKHBAR_G")\nh = os.environ.get("HOLD_POINTS")\n')
    assert env_reads(source) == ["3: AKHBAR_A", "4: AKHBAR_X", "5: AKHBAR_C", "6: AKHBAR_D", "9: AKHBAR_G"]


def test_no_module_reads_an_akhbar_variable_but_the_settings_table() -> None:
    offenders = []
    for top in PACKAGES:
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in ALLOWED or rel.startswith(ALLOWED_DIRS):
                continue
            offenders += [f"{rel}:{read}" for read in env_reads(path.read_text(encoding="utf-8"))]
    assert offenders == [], "read these through akhbar.core.config.load_settings()"
