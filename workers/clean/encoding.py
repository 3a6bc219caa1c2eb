"""Bytes -> text for fetched HTML pages.

Order of evidence: the HTTP ``charset``, the byte-order mark, the document's own
``<meta charset>`` / ``http-equiv`` / XML declaration, then detection (charset-normalizer).
Label parsing and aliasing come from w3lib (WHATWG rules: ``latin1`` means cp1252 ...).

Libyan sites are a special case worth a few lines: many old pages are windows-1256 and declare
nothing, or declare a server default (``ISO-8859-1``) that is wrong. Two cheap checks guard the
declared charsets: valid multi-byte UTF-8 beats a single-byte declaration (random single-byte text
is practically never valid UTF-8), and Latin declarations on bytes that read as Arabic in cp1256
are overruled. Binary payloads (NUL bytes, PDF/PNG/zip... magic numbers) raise NotHTMLError.
"""

from __future__ import annotations

import codecs
import logging
import re
from functools import lru_cache

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

from .errors import DecodeError, NotHTMLError

logger = logging.getLogger("akhbar.clean.encoding")

# Magic numbers of payloads that are certainly not HTML (checked on the first bytes).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"PK\x03\x04", "a ZIP archive (or Office/EPUB document)"),
    (b"\x1f\x8b", "gzip-compressed data (Content-Encoding not undone?)"),
    (b"BZh", "bzip2-compressed data"),
    (b"(\xb5/\xfd", "zstd-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy MS Office document"),
    (b"%!PS", "a PostScript document"),
    (b"{\\rtf", "an RTF document"),
    (b"OggS", "Ogg media"),
    (b"ID3", "an MP3 file"),
    (b"fLaC", "FLAC audio"),
    (b"wOFF", "a web font"),
    (b"wOF2", "a web font"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x00\x00\x01\x00", "an icon file"),
    (b"\x1aE\xdf\xa3", "a Matroska/WebM video"),
)
_NON_HTML_TYPES = re.compile(
    r"^\s*(?:image|audio|video|font)/|^\s*application/(?:pdf|zip|x-zip|gzip|x-gzip|x-rar|x-7z|msword|vnd\.)",
    re.I,
)
_SINGLE_BYTE_LATIN = {"cp1252", "latin-1", "iso8859-1", "iso8859-15", "ascii", "cp437", "mac-roman"}
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_MAX_REPLACEMENT_RATIO = 0.02


def _is_ascii(raw: bytes) -> bool:
    return raw.isascii()


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    resolved = resolve_encoding(name)
    if resolved is None:
        return None
    try:
        return codecs.lookup(resolved).name
    except LookupError:  # pragma: no cover - resolve_encoding already looked it up
        return None


@lru_cache(maxsize=64)
def _is_single_byte(codec: str) -> bool:
    """True for code pages mapping one byte to one character (cp1256, latin-1...)."""
    if codec.startswith("utf"):
        return False
    try:
        one_each = len(bytes(range(128, 256)).decode(codec, errors="replace")) == 128
        return one_each and len(b"\x81\x40\xa4\xa1".decode(codec, errors="replace")) == 4
    except LookupError:
        return False


def _strict(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _arabic_score(text: str) -> int:
    """How Arabic a decoding reads: occurrences of the article "ال" (the most frequent Arabic
    bigram). Telling cp1256 from iso-8859-6 (same alef, different lam) needs exactly this."""
    return text.count("\u0627\u0644")


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 without a BOM: ASCII markup shows as NULs on one byte parity only (``<\\0h\\0``)."""
    head = raw[:1024]
    if len(head) < 16:
        return None
    even, odd = head[0::2], head[1::2]
    for codec, nuls, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        parity_ok = nuls.count(0) >= 0.2 * len(nuls) and other.count(0) <= 0.01 * len(other)
        if parity_ok and _strict(raw[: len(raw) // 2 * 2], codec) is not None:
            return codec
    return None


def sniff_binary(raw: bytes, content_type: str | None = None) -> str | None:
    """What the payload is if it is certainly not HTML, else None."""
    if content_type and _NON_HTML_TYPES.search(content_type):
        return f"Content-Type {content_type.split(';')[0].strip()!r}"
    head = raw[:16]
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if raw[4:8] == b"ftyp":
        return "an MP4/QuickTime video"
    return None


def _detect(raw: bytes) -> tuple[str, str]:
    """Decode bytes that declare nothing usable. Returns (text, codec)."""
    if _is_ascii(raw):
        return raw.decode("ascii"), "ascii"
    text = _strict(raw, "utf-8")
    if text is not None:
        return text, "utf-8"
    # Fast path for the common Libyan case: Arabic single-byte pages (cp1256, rarely iso-8859-6).
    # charset-normalizer alone misreads short Arabic pages (e.g. as cp932), so the two Arabic
    # code pages are scored on the Arabic article first.
    arabic = []
    for codec in ("cp1256", "iso8859-6"):
        decoded = raw.decode(codec, errors="replace")
        arabic.append((_arabic_score(decoded), -decoded.count("\ufffd"), codec, decoded))
    best_score, _, best_codec, best_text = max(arabic)
    if best_score >= 1 and len(_ARABIC_LETTER.findall(best_text[:20000])) >= 10:
        return best_text, best_codec
    match = from_bytes(raw).best()
    if match is not None and match.encoding:
        return str(match), match.encoding
    return raw.decode("cp1252", errors="replace"), "cp1252"


def _better_than_declared(raw: bytes, declared: str, text: str) -> tuple[str, str] | None:
    """Overrule a single-byte declaration that the bytes contradict (see module doc)."""
    if not _is_single_byte(declared) or _is_ascii(raw):
        return None
    as_utf8 = _strict(raw, "utf-8")
    if as_utf8 is not None:
        return as_utf8, "utf-8"
    if declared in _SINGLE_BYTE_LATIN and not _ARABIC_LETTER.search(text):
        as_1256 = raw.decode("cp1256", errors="replace")
        if _arabic_score(as_1256) >= 1:
            return as_1256, "cp1256"
    return None


def decode_with_codec(raw: bytes, content_type: str | None = None) -> tuple[str, str]:
    """decode_html, also returning the codec that was used."""
    what = sniff_binary(raw, content_type)
    if what:
        raise NotHTMLError(f"payload is {what}, not HTML")

    http = _codec(http_content_type_encoding(content_type)) if content_type else None
    bom_codec, bom = read_bom(raw)
    meta = None
    if bom_codec is None:
        if b"\x00" in raw:
            utf16 = _utf16_without_bom(raw)
            if utf16 is None and not (http and http.startswith("utf-16")):
                raise NotHTMLError("payload contains NUL bytes (binary data), not HTML")
            if utf16 is not None and not http:
                http = utf16
        else:
            meta = _codec(html_body_declared_encoding(raw[:8192]))

    candidates: list[tuple[str, str]] = []
    # A BOM cannot be accidental, so (as in browsers) it wins over a contradicting HTTP charset.
    if bom_codec is not None:
        candidates.append(("bom", bom_codec))
    if http:
        candidates.append(("http", http))
    if meta:
        candidates.append(("meta", meta))

    for origin, codec in candidates:
        payload = raw[len(bom) :] if bom and codec == bom_codec else raw
        text = _strict(payload, codec)
        if text is None:
            logger.debug("declared %s charset %s does not decode the page", origin, codec)
            continue
        better = _better_than_declared(payload, codec, text)
        if better is not None:
            logger.debug("declared %s charset %s overruled by %s", origin, codec, better[1])
            return _finish(better[0]), better[1]
        return _finish(text), codec

    text, codec = _detect(raw)
    if text.count("\ufffd") > _MAX_REPLACEMENT_RATIO * max(len(text), 1):
        raise DecodeError(f"no encoding decodes this page cleanly (best guess {codec})")
    return _finish(text), codec


def decode_html(raw: bytes, content_type: str | None = None) -> str:
    """Decode fetched HTML bytes to text.

    ``content_type`` is the HTTP Content-Type header (its ``charset`` is the first evidence).
    Raises NotHTMLError for binary payloads and DecodeError when nothing decodes the bytes.
    """
    return decode_with_codec(raw, content_type)[0]


def _finish(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\x00", "")
