"""Index analysis settings: the Arabic analysis chain."""

from __future__ import annotations


def analysis_settings() -> dict:
    return {
        "analyzer": {
            "akhbar_arabic": {"type": "arabic"},
        }
    }
