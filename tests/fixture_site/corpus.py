"""Where the SaudiNewsNet corpus is: read in place by the dev-set outlets and the benches (bench/corpus.py).

`AKHBAR_CORPUS_DIR` is declared once, with its default, in the settings table (akhbar/core/config.py).
"""

from __future__ import annotations

from pathlib import Path

from akhbar.core.config import load_settings

CORPUS_ENV = "AKHBAR_CORPUS_DIR"


def corpus_path() -> Path:
    """The configured corpus directory (it may not exist)."""
    return load_settings().corpus_dir


def find_corpus() -> Path | None:
    """The corpus directory when it holds the zips, else None."""
    path = corpus_path()
    return path if path.is_dir() and any(path.glob("*.zip")) else None
