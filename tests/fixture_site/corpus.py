"""Where the SaudiNewsNet corpus is: read in place by the dev-set outlets and the benches (bench/corpus.py).

Test and bench configuration, not the product's: `AKHBAR_CORPUS_DIR` overrides the one default,
../shared/corpora/saudinewsnet next to the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

CORPUS_ENV = "AKHBAR_CORPUS_DIR"
DEFAULT_CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "saudinewsnet"


def corpus_path() -> Path:
    """The configured corpus directory (it may not exist)."""
    return Path(os.environ.get(CORPUS_ENV) or DEFAULT_CORPUS)


def find_corpus() -> Path | None:
    """The corpus directory when it holds the zips, else None."""
    path = corpus_path()
    return path if path.is_dir() and any(path.glob("*.zip")) else None
