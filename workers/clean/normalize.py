"""Arabic text normalisation shared by hashing, deduplication and evaluation.

Search-time normalisation happens inside the search engine's analyzer (index/analysis.py);
this module is the Python twin used where the engine is not involved (content hashes, shingles).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Harakat (fathatan..sukun), superscript alef, Quranic marks.
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_CHAR_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ة": "ه",
        "ک": "ك",
        "ی": "ي",
        # Arabic-Indic and Persian (extended) digits -> ASCII
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
    }
)
_NON_WORD = re.compile(r"[^\w\s]", re.UNICODE)
_SPACES = re.compile(r"\s+")


def normalize_arabic(text: str) -> str:
    """Fold the spelling variants Arabic writers mix freely: hamza/alef forms, ya/alef maqsura,
    ta marbuta, diacritics, tatweel and non-ASCII digits. Keeps punctuation and spacing."""
    text = unicodedata.normalize("NFKC", text)
    text = _DIACRITICS.sub("", text).replace(_TATWEEL, "")
    return text.translate(_CHAR_MAP)


def normalize_for_hash(text: str) -> str:
    """normalize_arabic, lower-cased, punctuation dropped and whitespace folded: two copies of
    one article that differ only in such details hash the same."""
    text = normalize_arabic(text).lower()
    text = _NON_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def content_hash(body: str) -> str:
    """sha1 hex of the normalised body."""
    return hashlib.sha1(normalize_for_hash(body).encode("utf-8")).hexdigest()


def words(text: str) -> list[str]:
    """Normalised word tokens (for shingles and token-level metrics)."""
    return normalize_for_hash(text).split()
