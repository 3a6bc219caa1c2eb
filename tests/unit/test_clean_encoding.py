"""workers.clean.encoding: charset evidence order, windows-1256 detection, binary rejection."""

from __future__ import annotations

import codecs

import pytest

from workers.clean.encoding import decode_html, decode_with_codec
from workers.clean.errors import DecodeError, ExtractionError, NotHTMLError

ARABIC = "قال المتحدث باسم الحكومة الليبية إن الاجتماع سيعقد غدا في العاصمة طرابلس بحضور الوزراء"
PAGE = f"<html><head><title>خبر</title></head><body><p>{ARABIC}</p></body></html>"


def test_windows_1256_without_any_declaration():
    text, codec = decode_with_codec(PAGE.encode("cp1256"), None)
    assert text == PAGE
    assert codec == "cp1256"


def test_short_windows_1256_snippet_without_declaration():
    # too short for statistical detection alone: the Arabic article "ال" decides
    snippet = "<p>الليبية الحكومة</p>"
    assert decode_html(snippet.encode("cp1256"), None) == snippet


def test_iso_8859_6_is_told_apart_from_windows_1256():
    text, codec = decode_with_codec(PAGE.encode("iso8859-6"), None)
    assert text == PAGE
    assert codec == "iso8859-6"


def test_http_charset_is_used():
    assert decode_html(PAGE.encode("cp1256"), "text/html; charset=windows-1256") == PAGE


def test_meta_charset_is_used_when_http_is_silent():
    page = f'<html><head><meta charset="windows-1256"></head><body>{ARABIC}</body></html>'
    text, codec = decode_with_codec(page.encode("cp1256"), "text/html")
    assert (text, codec) == (page, "cp1256")


def test_http_equiv_meta_is_used():
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1256">'
        f"</head><body>{ARABIC}</body></html>"
    )
    assert decode_with_codec(page.encode("cp1256"), None) == (page, "cp1256")


def test_http_charset_beats_meta():
    # the meta lies (says utf-8) but the bytes are cp1256 and HTTP says so
    page = f'<html><head><meta charset="utf-8"></head><body>{ARABIC}</body></html>'
    assert decode_with_codec(page.encode("cp1256"), "text/html; charset=cp1256") == (page, "cp1256")


def test_wrong_latin1_server_default_is_overruled_for_arabic_bytes():
    text, codec = decode_with_codec(PAGE.encode("cp1256"), "text/html; charset=ISO-8859-1")
    assert text == PAGE
    assert codec == "cp1256"


def test_valid_utf8_beats_a_single_byte_declaration():
    text, codec = decode_with_codec(PAGE.encode("utf-8"), "text/html; charset=windows-1256")
    assert (text, codec) == (PAGE, "utf-8")


def test_declared_utf8_that_does_not_decode_falls_back_to_detection():
    page = f'<html><head><meta charset="utf-8"></head><body>{ARABIC}</body></html>'
    assert decode_html(page.encode("cp1256"), None) == page


def test_utf8_bom_is_stripped_and_wins_over_contradicting_header():
    raw = codecs.BOM_UTF8 + PAGE.encode("utf-8")
    text, codec = decode_with_codec(raw, "text/html; charset=windows-1256")
    assert text == PAGE
    assert codec == "utf-8"


def test_utf16_with_bom():
    raw = codecs.BOM_UTF16_LE + PAGE.encode("utf-16-le")
    assert decode_html(raw, None) == PAGE


def test_utf16_without_bom_is_not_mistaken_for_binary():
    assert decode_html(PAGE.encode("utf-16-le"), None) == PAGE


def test_plain_ascii_and_utf8_without_declaration():
    assert decode_with_codec(b"<html><body>hello</body></html>", None) == (
        "<html><body>hello</body></html>",
        "ascii",
    )
    assert decode_with_codec(PAGE.encode("utf-8"), None) == (PAGE, "utf-8")


@pytest.mark.parametrize(
    ("raw", "what"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
        (b"GIF89a\x01\x00\x01\x00", "GIF"),
    ],
)
def test_binary_magic_is_rejected_with_a_clear_message(raw: bytes, what: str):
    with pytest.raises(NotHTMLError) as info:
        decode_html(raw, None)
    assert what in str(info.value)
    assert info.value.reason == "not-html"
    assert isinstance(info.value, ExtractionError)


def test_nul_bytes_are_rejected():
    with pytest.raises(NotHTMLError, match="NUL bytes"):
        decode_html(b"<html>\x00\x13\x7f\x00\xff\x00\x00\x01binary", None)


def test_binary_content_type_is_rejected():
    with pytest.raises(NotHTMLError, match="image/png"):
        decode_html(b"<html>looks like html</html>", "image/png")


def test_undecodable_bytes_raise_decode_error(monkeypatch: pytest.MonkeyPatch):
    import workers.clean.encoding as encoding

    class NoGuess:
        def best(self) -> None:
            return None

    monkeypatch.setattr(encoding, "from_bytes", lambda raw: NoGuess())
    raw = b"<html>" + bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]) * 50 + b"</html>"
    with pytest.raises(DecodeError) as info:
        decode_html(raw, None)
    assert info.value.reason == "decode-failed"
