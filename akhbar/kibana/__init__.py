"""Kibana saved objects for exploring the archive, and their importer (`akhbar kibana setup`).

`setup()` posts `saved_objects.ndjson` to Kibana's saved-objects import API
(`POST /api/saved_objects/_import?overwrite=true`, multipart, with the `kbn-xsrf` header Kibana demands),
into the default space or `/s/<space>`. Failures come back as `KibanaError` with one clear sentence.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

SAVED_OBJECTS = Path(__file__).with_name("saved_objects.ndjson")
DEFAULT_URL = "http://localhost:5601"


class KibanaError(RuntimeError):
    """Kibana is unreachable, not ready, or refused some objects."""


@dataclass
class ImportResult:
    success_count: int
    objects: list[dict] = field(default_factory=list)  # {"type", "id", "title"} per imported object


def load_objects(path: Path = SAVED_OBJECTS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _multipart(filename: str, payload: bytes) -> tuple[bytes, str]:
    boundary = f"akhbar-{uuid.uuid4().hex}"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
            "Content-Type: application/ndjson\r\n\r\n").encode()
    return head + payload + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def setup(url: str = DEFAULT_URL, *, space: str | None = None, path: Path = SAVED_OBJECTS,
          overwrite: bool = True, timeout: float = 60.0, auth: tuple[str, str] | None = None) -> ImportResult:
    """Import the saved objects; raises KibanaError with a readable reason."""
    base = url.rstrip("/")
    prefix = f"/s/{space}" if space and space != "default" else ""
    endpoint = f"{base}{prefix}/api/saved_objects/_import?overwrite={'true' if overwrite else 'false'}"
    body, content_type = _multipart(path.name, path.read_bytes())
    request = urllib.request.Request(endpoint, data=body, method="POST", headers={
        "kbn-xsrf": "true", "Content-Type": content_type, "Accept": "application/json"})
    if auth:
        import base64

        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:500]
        try:
            message = json.loads(detail).get("message") or detail
        except ValueError:
            message = detail
        if exc.code == 503:
            raise KibanaError(f"Kibana at {base} is not ready yet ({message.strip() or 'HTTP 503'}); "
                              "it takes a minute or two after start, try again") from None
        if exc.code in (401, 403):
            raise KibanaError(f"Kibana at {base} refused the import (HTTP {exc.code}): {message}; "
                              "pass credentials with --user if security is enabled") from None
        if exc.code == 404 and space:
            raise KibanaError(f"Kibana at {base} has no space {space!r} (HTTP 404)") from None
        raise KibanaError(f"Kibana at {base} answered HTTP {exc.code}: {message}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise KibanaError(f"cannot reach Kibana at {base}: {reason}. Is it running? "
                          "(`docker compose up -d kibana`, then wait until `docker compose ps` says healthy)") from None
    except ValueError:
        raise KibanaError(f"{base} did not answer with JSON: is it really Kibana?") from None
    errors = answer.get("errors") or []
    if not answer.get("success", False) or errors:
        lines = []
        for error in errors[:10]:
            kind = (error.get("error") or {}).get("type", "error")
            title = (error.get("meta") or {}).get("title") or error.get("id")
            lines.append(f"{error.get('type')} {title!r}: {kind}")
        raise KibanaError("Kibana refused some saved objects: " + ("; ".join(lines) or json.dumps(answer)[:500]))
    objects = [{"type": r.get("type"), "id": r.get("destinationId") or r.get("id"),
                "title": (r.get("meta") or {}).get("title")} for r in answer.get("successResults") or []]
    return ImportResult(int(answer.get("successCount", len(objects))), objects)
