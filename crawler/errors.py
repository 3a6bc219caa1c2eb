"""Name the ways a fetch fails, so a job reports them by kind instead of hiding them."""

from __future__ import annotations

from twisted.python.failure import Failure


def classify_failure(failure: Failure) -> str:
    from scrapy.exceptions import IgnoreRequest
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.internet import defer, error

    from crawler.middlewares import AddressRefused, RedirectLoopError
    from crawler.robots import RobotsForbidden

    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    if isinstance(exc, AddressRefused):
        return "address_refused"
    if isinstance(exc, RedirectLoopError):
        return "redirect_loop"
    if isinstance(exc, RobotsForbidden):
        return "robots_forbidden"
    if isinstance(exc, IgnoreRequest):
        # Scrapy's RedirectMiddleware says so only in its message ("max redirections reached").
        text = str(exc).lower()
        if "download_maxsize" in text:  # HttpCompressionMiddleware: a body that inflates past the limit (gzip bomb)
            return "too_large"
        if "max redirections" in text or "redirect" in text:
            return "too_many_redirects"
        return "ignored"
    if isinstance(exc, defer.CancelledError) or type(exc).__name__ == "DownloadCancelledError":
        return "too_large"
    if isinstance(exc, error.TimeoutError | error.TCPTimedOutError):
        return "timeout"
    if isinstance(exc, error.DNSLookupError):
        return "dns"
    if isinstance(exc, error.ConnectionRefusedError | error.ConnectError | error.ConnectionLost):
        return "connection"
    return type(exc).__name__
