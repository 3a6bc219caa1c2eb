"""`akhbar demo` registers its outlets in $AKHBAR_HOME: every later command shows their names."""

from __future__ import annotations

from pathlib import Path

import pytest

from akhbar.core.registry import HOME_FILE, load_registry, register_outlets
from akhbar.demo import demo_entries
from akhbar.demo_web import DemoWeb


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    with DemoWeb() as web:
        return demo_entries(web)


def test_registered_demo_outlets_show_their_arabic_names(tmp_path: Path, entries: list[dict]) -> None:
    assert "fx-marsad" not in load_registry(None, home=tmp_path).display_names()  # nothing registered yet
    written = register_outlets(tmp_path, entries)
    assert written == tmp_path / HOME_FILE
    registry = load_registry(None, home=tmp_path)
    assert registry.display_names()["fx-marsad"] == "المرصد التجريبي"
    assert registry.get("fx-observer").name_ar == "المراقب الليبي التجريبي"
    # Registered, not scheduled: `crawl all` and beat leave the demo's outlets alone; naming one still works.
    assert not [outlet.name for outlet in registry.enabled() if outlet.name.startswith("fx-")]
    assert load_registry(None).names() == [n for n in registry.names() if not n.startswith("fx-")]  # home not read


def test_registering_again_replaces_by_name_and_keeps_other_entries(tmp_path: Path, entries: list[dict]) -> None:
    register_outlets(tmp_path, [{"name": "my-site", "base_url": "https://example.ly/", "name_ar": "موقعي"}])
    register_outlets(tmp_path, entries)
    register_outlets(tmp_path, entries)  # a second demo run: new ports, same names
    registry = load_registry(None, home=tmp_path)
    assert registry.display_names()["my-site"] == "موقعي"
    assert [n for n in registry.names() if n.startswith("fx-")] == [entry["name"] for entry in entries]


def test_the_users_file_wins_over_the_registered_outlets(tmp_path: Path, entries: list[dict]) -> None:
    register_outlets(tmp_path, entries)
    user = tmp_path / "mine.yaml"
    user.write_text("outlets:\n  - name: fx-marsad\n    name_ar: مرصدي\n", encoding="utf-8")
    assert load_registry(user, home=tmp_path).display_names()["fx-marsad"] == "مرصدي"
