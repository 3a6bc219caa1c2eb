"""Every AKHBAR_* name the code reads is declared once (akhbar.core.config or crawler/settings.py), every
environment variable has a doc and a default, and the README's configuration tables are the tables."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from akhbar.core.config import VARIABLES, Settings, default_of, load_settings
from crawler.settings import AKHBAR_SETTINGS

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"\bAKHBAR_[A-Z][A-Z0-9_]*[A-Z0-9]\b")
ENV_TABLE_HEAD = "| variable | default | meaning |"


def names_in_code() -> set[str]:
    found: set[str] = set()
    for top in ("akhbar", "crawler", "workers", "index", "bench"):
        for path in (ROOT / top).rglob("*.py"):
            found |= set(NAME.findall(path.read_text(encoding="utf-8"))) - {"AKHBAR_SETTINGS"}
    return found


def readme_lines() -> list[str]:
    return (ROOT / "README.md").read_text(encoding="utf-8").splitlines()


def table_after(head: str) -> list[str]:
    lines = readme_lines()
    start = lines.index(head) + 2
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("|"))
    return lines[start:end]


def environment_table() -> list[str]:
    """The README's environment table as the declarations say it (failing test output shows it)."""
    return [f"| `{v.name}` | {'–' if v.default is None else f'`{v.default}`'} | {v.doc} |"
            for v in VARIABLES.values()]


def compose_secrets() -> set[str]:
    """Secrets of the production compose file (.env.example): the code only masks them."""
    return set(NAME.findall((ROOT / ".env.example").read_text(encoding="utf-8")))


def test_every_name_in_the_code_is_declared() -> None:
    assert names_in_code() - set(VARIABLES) - set(AKHBAR_SETTINGS) - compose_secrets() == set()


def test_no_name_is_both_an_environment_variable_and_a_scrapy_setting() -> None:
    assert set(VARIABLES) & set(AKHBAR_SETTINGS) == set()


def test_the_readme_environment_table_is_the_declared_table() -> None:
    expected = environment_table()
    assert table_after(ENV_TABLE_HEAD) == expected, "README's table should read:\n" + "\n".join(expected)


def test_the_readme_crawler_table_lists_the_scrapy_settings() -> None:
    rows = table_after("| Scrapy setting | default | meaning |")
    assert [re.match(r"\| `(\w+)` \|", row)[1] for row in rows] == list(AKHBAR_SETTINGS)


def test_every_variable_has_a_doc_a_default_and_one_typed_field() -> None:
    for variable in VARIABLES.values():
        assert variable.doc.strip(), variable.name
        # None declares "unset" (the doc says what that means); any other default must parse.
        default_of(variable.name)
    assert [v.field for v in VARIABLES.values()] == [f.name for f in fields(Settings)]


def test_defaults_apply_when_unset_or_blank() -> None:
    assert load_settings({}).index_alias == "akhbar-articles"
    assert load_settings({"AKHBAR_INDEX": "  "}).index_alias == "akhbar-articles"
    assert load_settings({"AKHBAR_INDEX": "mine"}).index_alias == "mine"
    assert load_settings({}).visibility_timeout == 1800
    assert load_settings({}).warc_enabled is True
    assert load_settings({"AKHBAR_WARC_ENABLED": "0"}).warc_enabled is False
    settings = load_settings({"AKHBAR_HOME": "/tmp/x", "AKHBAR_INDEX": "a"})
    assert (settings.home, settings.index_alias, settings.redis_url) == (Path("/tmp/x"), "a", None)
    assert settings.warc_root == Path("/tmp/x/warc")


def test_zero_means_zero() -> None:
    names = ("AKHBAR_VISIBILITY_TIMEOUT", "AKHBAR_INDEX_RETRY_WINDOW", "AKHBAR_JOB_STALL_AFTER",
             "AKHBAR_WEBHOOK_RETRIES", "AKHBAR_REDIS_WAIT", "AKHBAR_WARC_MAX_BYTES", "AKHBAR_API_RATE_LIMIT")
    settings = load_settings(dict.fromkeys(names, "0"))
    for name in names:
        assert getattr(settings, VARIABLES[name].field) == 0, name


def test_the_readers_honour_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    from akhbar.core import redis_retry, stall
    from workers.tasks import retry_window

    for name in ("AKHBAR_INDEX_RETRY_WINDOW", "AKHBAR_JOB_STALL_AFTER", "AKHBAR_REDIS_WAIT"):
        monkeypatch.setenv(name, "0")
    assert (retry_window(), stall.stall_after(), redis_retry.cli_wait()) == (0.0, 0, 0.0)
    monkeypatch.setenv("AKHBAR_INDEX_RETRY_WINDOW", "7")
    assert retry_window() == 7.0  # read when used, not at import


def test_importing_the_product_reads_no_setting() -> None:
    """The Celery app reads its environment settings when first configured, not at import (a fresh
    process: other tests may have configured it already)."""
    code = ("import akhbar.cli, akhbar.api, workers.tasks, crawler.run\n"
            "from akhbar.core.celery_app import app\n"
            "assert not app.configured\n"
            "import os; os.environ['AKHBAR_VISIBILITY_TIMEOUT'] = '0'\n"
            "assert app.conf.broker_transport_options['visibility_timeout'] == 0")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)


@pytest.mark.parametrize(("name", "value"), [("AKHBAR_API_RATE_LIMIT", "lots"), ("AKHBAR_LOG_JSON", "maybe")])
def test_a_bad_value_says_which_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        load_settings({name: value})


@pytest.mark.parametrize(("name", "value"), [("AKHBAR_VISIBILITY_TIMEOUT", "abc"), ("AKHBAR_LOG_JSON", "maybe")])
def test_the_cli_says_a_bad_value_in_one_line(name: str, value: str) -> None:
    """No traceback: one line naming the variable, and a failing exit status."""
    from click.testing import CliRunner

    from akhbar.cli import main

    result = CliRunner().invoke(main, ["jobs", "list"], env={name: value})
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and "unset it" in lines[0]
    assert "Traceback" not in result.output
