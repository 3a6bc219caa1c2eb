"""`akhbar services up|status|down` with real processes: data survives a restart, ports are kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from index.adapter import SearchAdapter

pytestmark = pytest.mark.integration


def akhbar(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKHBAR_")}
    env["AKHBAR_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "akhbar.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300)


def test_services_up_status_down_and_data_survives_restart(tmp_path: Path) -> None:
    home = tmp_path / "home"
    try:
        up = akhbar(home, "services", "up")
        assert up.returncode == 0, up.stdout + up.stderr
        state = json.loads((home / "services.json").read_text())
        status = akhbar(home, "services", "status", "--json")
        assert status.returncode == 0
        assert {row["name"]: row["running"] for row in json.loads(status.stdout)} == {
            "redis": True, "opensearch": True}

        search = SearchAdapter(state["opensearch"]["url"])
        assert search.engine == "opensearch"
        assert search.info()["version"]["number"].startswith("2.19.")
        search.request("PUT", "/keep-me", body={"settings": {"number_of_replicas": 0}})
        search.request("PUT", "/keep-me/_doc/1", body={"title": "طرابلس"}, params={"refresh": "true"})
        redis.Redis.from_url(state["redis"]["url"]).set("akhbar:test:kept", "yes")
        search.close()

        down = akhbar(home, "services", "down")
        assert down.returncode == 0 and "stopped" in down.stdout
        assert akhbar(home, "services", "status").returncode == 3  # stopped is reported, with its own exit code

        again = akhbar(home, "services", "up")
        assert again.returncode == 0, again.stdout + again.stderr
        state2 = json.loads((home / "services.json").read_text())
        assert state2["opensearch"]["url"] == state["opensearch"]["url"]  # same ports after a restart
        assert state2["redis"]["url"] == state["redis"]["url"]
        search = SearchAdapter(state2["opensearch"]["url"])
        assert search.request("GET", "/keep-me/_doc/1")["_source"] == {"title": "طرابلس"}
        search.close()
        assert redis.Redis.from_url(state2["redis"]["url"]).get("akhbar:test:kept") == b"yes"
    finally:
        akhbar(home, "services", "down")
