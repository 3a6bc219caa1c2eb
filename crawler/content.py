"""Is a fetched body something the crawler should parse? Non-HTML types, binary bodies behind an HTML
Content-Type, and bytes no encoding decodes are refused with a reason that the job counts.

The byte-level checks are the cleaner's (workers.clean.encoding), so the crawler and the clean stage
agree on what is HTML.
"""

from __future__ import annotations

import re

from workers.clean.encoding import decode_with_codec, sniff_binary
from workers.clean.errors import DecodeError, NotHTMLError

HTML_TYPES = {"text/html", "application/xhtml+xml", "application/vnd.wap.xhtml+xml"}
XML_TYPES = {"application/xml", "text/xml", "application/rss+xml", "application/atom+xml", "application/rdf+xml",
             "application/x-rss+xml", "application/feed+xml"}
_MARKUP = re.compile(rb"<\s*(html|head|body|div|p|a|title|!doctype)\b", re.I)
XML_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(urlset|sitemapindex|rss|feed|rdf:RDF)\b",
                       re.S | re.I)


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def refusal(body: bytes, content_type: str | None) -> tuple[str, str] | None:
    """(error kind, detail) when the body is not a page to parse, else None.

    Kinds: ``not_html`` (another media type, or binary bytes whatever the header says) and
    ``bad_encoding`` (declared and detected charsets all fail)."""
    media = media_type(content_type)
    if XML_START.match(body[:2048]):
        return None  # a feed or sitemap, whatever the server called it
    if media in XML_TYPES:
        return None
    if media and media not in HTML_TYPES and not (media == "text/plain" and _MARKUP.search(body[:4096])):
        return "not_html", f"Content-Type {media}"
    what = sniff_binary(body[:64], content_type)
    if what:
        return "not_html", f"body is {what} (Content-Type {media or 'missing'})"
    try:
        decode_with_codec(body, content_type)
    except NotHTMLError as exc:
        return "not_html", str(exc)
    except DecodeError as exc:
        return "bad_encoding", str(exc)
    return None
