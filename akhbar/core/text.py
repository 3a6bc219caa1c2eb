"""Arabic text normalisation shared by hashing, deduplication and evaluation.

Search-time normalisation happens inside the search engine's analyzer (index/analysis.py);
this module is the Python twin used where the engine is not involved (content hashes, shingles).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Harakat (fathatan..sukun), superscript alef, Quranic marks, and tatweel: deleted in the same
# str.translate pass as the letter folding (one pass is twice as fast as regex + translate).
_DELETED = [*range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06EE), 0x0640]
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
_CHAR_MAP.update(dict.fromkeys(_DELETED))
_WORD = re.compile(r"\w+")


def normalize_arabic(text: str) -> str:
    """Fold the spelling variants Arabic writers mix freely: hamza/alef forms, ya/alef maqsura,
    ta marbuta, diacritics, tatweel and non-ASCII digits. Keeps punctuation and spacing."""
    if not unicodedata.is_normalized("NFKC", text):  # the quick check is far cheaper than normalising
        text = unicodedata.normalize("NFKC", text)
    return text.translate(_CHAR_MAP)


def normalize_for_hash(text: str) -> str:
    """normalize_arabic, lower-cased, punctuation dropped and whitespace folded: two copies of
    one article that differ only in such details hash the same."""
    return " ".join(_WORD.findall(normalize_arabic(text).lower()))


def content_hash(body: str) -> str:
    """sha1 hex of the normalised body."""
    return hashlib.sha1(normalize_for_hash(body).encode("utf-8")).hexdigest()


def words(text: str) -> list[str]:
    """Normalised word tokens (for shingles and token-level metrics)."""
    return normalize_for_hash(text).split()
