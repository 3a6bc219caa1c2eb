"""Secrets never printed (issue 14): the one redaction helper, the log formatters that use it, the CLI's
error line, and the API's refusal to listen off loopback without a token."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner

from akhbar.api import require_token_off_loopback
from akhbar.cli import main
from akhbar.core.logs import TEXT_FORMAT, JsonFormatter, TextFormatter
from akhbar.core.procs import free_port
from akhbar.core.redact import MASK, known_secrets, redact, redact_url

SECRET = "s3cr3t-Value-0123456789"


@pytest.mark.parametrize(("url", "shown"), [
    (f"redis://:{SECRET}@redis:6379/0", "redis://:***@redis:6379/0"),
    (f"rediss://default:{SECRET}@10.0.0.5:6380/1", "rediss://default:***@10.0.0.5:6380/1"),
    (f"https://akhbar:{SECRET}@elasticsearch:9200", "https://akhbar:***@elasticsearch:9200"),
    ("https://elasticsearch:9200", "https://elasticsearch:9200"),
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ("https://user@host:9200/path", "https://user@host:9200/path"),  # a user name alone is no secret
    ("https://alwasat.ly:443/news/a@b", "https://alwasat.ly:443/news/a@b"),  # a port and an @ in the path
    (f"redis://:{SECRET.replace('-', '%2F')}@r:1/0", "redis://:***@r:1/0"),  # percent-encoded password
])
def test_redact_url_masks_only_the_password(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert redact_url(None) is None


def test_redact_masks_urls_and_password_fields_inside_free_text() -> None:
    text = (f"Error connecting to redis://:{SECRET}@redis:6379/0 (tried 'https://akhbar:{SECRET}@es:9200'); "
            f'config {{"password": "{SECRET}", "api_key": "{SECRET}x"}} password={SECRET}&next=1')
    out = redact(text, secrets=set())
    assert SECRET not in out
    assert "redis://:***@redis:6379/0" in out and "https://akhbar:***@es:9200" in out
    assert "&next=1" in out  # only the value is masked
    assert redact("a token is required to write; pass it as a header", secrets=set()) == \
        "a token is required to write; pass it as a header"  # prose is left alone


def test_known_secret_values_are_masked_wherever_they_appear() -> None:
    env = {"AKHBAR_SEARCH_PASSWORD": SECRET, "AKHBAR_API_TOKEN": "tok", "AKHBAR_REDIS_URL": "redis://:p%40ss-word@r:1/0"}
    found = known_secrets(env)
    assert SECRET in found and "p@ss-word" in found and "p%40ss-word" in found
    assert "tok" not in found  # too short to mask safely
    assert redact(f"AUTH {SECRET} failed, also p@ss-word", secrets=found) == f"AUTH {MASK} failed, also {MASK}"


def _record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("akhbar.test", logging.WARNING, __file__, 1, message, args, exc_info)


def test_log_lines_never_carry_a_password_text_or_json(monkeypatch) -> None:
    monkeypatch.setenv("AKHBAR_SEARCH_PASSWORD", SECRET)
    try:
        raise ConnectionError(f"cannot reach redis://:{SECRET}@redis:6379/0")
    except ConnectionError as caught:
        exc = caught
    for formatter in (TextFormatter(TEXT_FORMAT), JsonFormatter()):
        line = formatter.format(_record("broker %s down; auth with %s", f"redis://:{SECRET}@redis:6379/0",
                                        SECRET, exc=exc))
        assert SECRET not in line, line
        assert "redis://:***@redis:6379/0" in line


def test_a_logger_configured_by_akhbar_masks_what_libraries_log(monkeypatch) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("akhbar.test.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        from akhbar.core.logs import decorate_handlers

        decorate_handlers(logger, as_json=False)
        logger.error("Connection to %s failed", f"redis://:{SECRET}@127.0.0.1:6379/0")
    finally:
        logger.removeHandler(handler)
    assert SECRET not in stream.getvalue() and ":***@127.0.0.1" in stream.getvalue()


def test_cli_error_line_masks_the_password(tmp_path, monkeypatch) -> None:
    port = free_port()  # nothing listens there
    monkeypatch.setenv("AKHBAR_HOME", str(tmp_path))
    monkeypatch.setenv("AKHBAR_SEARCH_URL", f"http://akhbar:{SECRET}@127.0.0.1:{port}")
    monkeypatch.setenv("AKHBAR_SEARCH_ENGINE", "auto")
    result = CliRunner().invoke(main, ["search", "ليبيا"])
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and "not reachable" in result.output
    assert SECRET not in result.output and "Traceback" not in result.output


# -- the API token off loopback -------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_needs_no_token(host: str) -> None:
    require_token_off_loopback(host, None)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "192.168.1.20", "api.example.org"])
def test_any_other_address_needs_the_token(host: str) -> None:
    with pytest.raises(ValueError, match="AKHBAR_API_TOKEN"):
        require_token_off_loopback(host, None)
    require_token_off_loopback(host, "a-token-of-some-length")


def _env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKHBAR_")}
    env.update(AKHBAR_HOME=str(tmp_path), AKHBAR_REDIS_URL="redis://127.0.0.1:9/0",
               AKHBAR_SEARCH_URL="http://127.0.0.1:9", AKHBAR_SEARCH_ENGINE="opensearch")
    return env


def test_akhbar_api_refuses_to_listen_on_all_interfaces_without_a_token(tmp_path) -> None:
    result = subprocess.run([sys.executable, "-m", "akhbar.cli", "api", "--host", "0.0.0.0", "--port", str(free_port())],
                            env=_env(tmp_path), capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "AKHBAR_API_TOKEN" in lines[0] and "0.0.0.0" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_the_default_loopback_api_starts_without_any_secret(tmp_path) -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "akhbar.cli", "api", "--port", str(port)], env=_env(tmp_path),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code  # 503: it runs; the services it checks are not there
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.3)
        assert status in (200, 503)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_settings_repr_shows_no_secret() -> None:
    from akhbar.core.config import load_settings

    settings = load_settings({"AKHBAR_API_TOKEN": "api-token-value-123", "AKHBAR_SEARCH_PASSWORD": SECRET,
                              "AKHBAR_SEARCH_API_KEY": "an-api-key-value-456",
                              "AKHBAR_REDIS_URL": "redis://:redis-pw-789@redis:6379/0",
                              "AKHBAR_SEARCH_URL": "https://akhbar:search-pw-012@es:9200"})
    shown = repr(settings)
    for secret in ("api-token-value-123", SECRET, "an-api-key-value-456", "redis-pw-789", "search-pw-012"):
        assert secret not in shown and secret not in str(settings)
    assert "redis://:***@redis:6379/0" in shown and "index_alias='akhbar-articles'" in shown
