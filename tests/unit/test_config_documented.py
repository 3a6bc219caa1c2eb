"""Every AKHBAR_* name the code reads is declared once (akhbar.core.config or crawler/settings.py) and
documented in the README's configuration tables."""

from __future__ import annotations

import re
from pathlib import Path

from akhbar.core.config import VARIABLES, env, env_bool, env_int, load_settings
from crawler.settings import AKHBAR_SETTINGS

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"\bAKHBAR_[A-Z][A-Z0-9_]*[A-Z0-9]\b")


def names_in_code() -> set[str]:
    found: set[str] = set()
    for top in ("akhbar", "crawler", "workers", "index"):
        for path in (ROOT / top).rglob("*.py"):
            found |= set(NAME.findall(path.read_text(encoding="utf-8"))) - {"AKHBAR_SETTINGS"}
    return found


def documented() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `(AKHBAR_[A-Z0-9_]+)` \|", readme, flags=re.M))


def compose_secrets() -> set[str]:
    """Secrets of the production compose file (.env.example): the code only masks them."""
    return set(NAME.findall((ROOT / ".env.example").read_text(encoding="utf-8")))


def test_every_name_in_the_code_is_declared() -> None:
    assert names_in_code() - set(VARIABLES) - set(AKHBAR_SETTINGS) - compose_secrets() == set()


def test_every_declared_name_is_in_the_readme_table() -> None:
    assert (set(VARIABLES) | set(AKHBAR_SETTINGS)) - documented() == set()


def test_defaults_apply_when_unset_or_blank() -> None:
    assert env("AKHBAR_INDEX", {}) == "akhbar-articles"
    assert env("AKHBAR_INDEX", {"AKHBAR_INDEX": "  "}) == "akhbar-articles"
    assert env("AKHBAR_INDEX", {"AKHBAR_INDEX": "mine"}) == "mine"
    assert env_int("AKHBAR_VISIBILITY_TIMEOUT", {}) == 1800
    assert env_bool("AKHBAR_WARC_ENABLED", {}) is True
    assert env_bool("AKHBAR_WARC_ENABLED", {"AKHBAR_WARC_ENABLED": "0"}) is False
    settings = load_settings({"AKHBAR_HOME": "/tmp/x", "AKHBAR_INDEX": "a"})
    assert (settings.home, settings.index_alias, settings.redis_url) == (Path("/tmp/x"), "a", None)


def test_a_bad_number_says_which_variable() -> None:
    try:
        env_int("AKHBAR_API_RATE_LIMIT", {"AKHBAR_API_RATE_LIMIT": "lots"})
    except ValueError as exc:
        assert "AKHBAR_API_RATE_LIMIT" in str(exc)
    else:
        raise AssertionError("no error")
