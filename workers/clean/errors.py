"""Errors raised by the cleaning stage.

Every failure to turn fetched bytes into an Article raises a subclass of ExtractionError with a
short machine-readable ``reason`` (used for metrics and dead-letter routing) and a human message.
Callers keep the page for retry / dead letter.
"""

from __future__ import annotations


class ExtractionError(Exception):
    """Base class: the page could not be turned into an Article."""

    reason: str = "extraction-failed"

    def __init__(self, message: str = "", *, reason: str | None = None, url: str | None = None) -> None:
        if reason is not None:
            self.reason = reason
        self.url = url
        self.message = message or self.reason
        super().__init__(self.message)

    def __str__(self) -> str:
        where = f" ({self.url})" if self.url else ""
        return f"[{self.reason}] {self.message}{where}"


class NotHTMLError(ExtractionError):
    """The payload is not an HTML document (binary, PDF, image, archive, no markup...)."""

    reason = "not-html"


class EmptyContentError(ExtractionError):
    """The payload is HTML but holds no article text."""

    reason = "empty-content"


class TooLargeError(ExtractionError):
    """The payload exceeds the size the cleaner accepts."""

    reason = "too-large"


class DecodeError(ExtractionError):
    """The bytes could not be decoded to text with any plausible encoding."""

    reason = "decode-failed"
