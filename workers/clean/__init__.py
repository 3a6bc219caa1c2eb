"""Cleaning stage: fetched bytes + URL -> Article dict (see docs/architecture.md).

``extract_article`` is re-exported lazily so that importing ``akhbar.core.text``
(dedupe, evaluation) does not load trafilatura.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .extract import extract_article

__all__ = ["extract_article"]


def __getattr__(name: str) -> Any:
    if name == "extract_article":
        from .extract import extract_article

        return extract_article
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
