"""The CLI's offline commands and its errors, run as a user would (a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from index import embedded

HTML = """<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>افتتاح مستشفى جديد في سبها | صحيفة تجريبية</title>
<link rel="canonical" href="https://example.ly/news/2024/05/hospital-sabha?utm_source=fb">
<meta property="article:published_time" content="2024-05-12T09:30:00+02:00">
</head><body><article><h1>افتتاح مستشفى جديد في سبها</h1>
<p>سبها - افتتحت وزارة الصحة اليوم الأحد مستشفى جديداً في مدينة سبها بسعة مئة وعشرين سريراً لخدمة سكان الجنوب.</p>
<p>وقال مدير المستشفى إن الأقسام ستعمل على مدار الساعة، وإن فريقاً طبياً من ثلاثين طبيباً التحق بالعمل.</p>
<p>وأضاف أن المستشفى يضم وحدة للعناية الفائقة وأخرى لغسيل الكلى، وهي الأولى من نوعها في المنطقة.</p>
</article></body></html>"""


def run(*args: str, stdin: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "akhbar.cli", *args], input=stdin, capture_output=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_extract_prints_the_article_contract_as_json(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(HTML.encode("utf-8"))
    result = run("extract", "--url", "https://example.ly/news/2024/05/hospital-sabha?utm_source=fb", str(page))
    assert result.returncode == 0, result.stderr.decode()
    article = json.loads(result.stdout)
    assert set(article) == {"url", "canonical_url", "outlet", "title", "body", "lead", "authors", "published_at",
                            "date_source", "language", "dateline", "source_outlet", "section", "tags",
                            "content_hash", "places", "main_place", "location"}
    assert article["title"] == "افتتاح مستشفى جديد في سبها"
    assert article["main_place"]["id"] == article["places"][0]["id"] == "ly:sabha"
    assert article["canonical_url"] == "https://example.ly/news/2024/05/hospital-sabha"
    assert article["published_at"] == "2024-05-12T09:30:00+02:00"
    assert article["language"] == "ar"
    assert "مئة وعشرين سريراً" in article["body"]


def test_extract_reads_stdin_and_windows_1256() -> None:
    result = run("extract", "--url", "https://example.ly/a/1", "-",
                 stdin=HTML.replace('charset="utf-8"', 'charset="windows-1256"').encode("cp1256"))
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout)["title"] == "افتتاح مستشفى جديد في سبها"


def test_extract_refuses_binary_with_a_clear_error(tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    result = run("extract", "--url", "https://example.ly/report.pdf", str(pdf))
    assert result.returncode == 1
    assert b"error:" in result.stderr and b"Traceback" not in result.stderr


def test_commands_that_need_services_say_how_to_start_them(tmp_path: Path) -> None:
    env = {"AKHBAR_HOME": str(tmp_path), "AKHBAR_REDIS_URL": "", "AKHBAR_SEARCH_URL": ""}
    result = run("search", "طرابلس", env=env)
    assert result.returncode == 2
    assert b"akhbar services up" in result.stderr and b"Traceback" not in result.stderr


def test_unknown_outlet_is_named_with_suggestions(tmp_path: Path) -> None:
    result = run("crawl", "alwast", env={"AKHBAR_HOME": str(tmp_path), "AKHBAR_REDIS_URL": "redis://127.0.0.1:1/0"})
    assert result.returncode == 1
    assert b"alwasat" in result.stderr


def test_missing_java_is_reported_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(embedded.MissingToolError, match="Java 17"):
        embedded.find_java()


def test_missing_maven_is_reported_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded, "is_built", lambda: False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(embedded.MissingToolError, match="Maven"):
        embedded.build()
