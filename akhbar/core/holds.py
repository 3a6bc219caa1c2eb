"""Hold points: named places where a fault test stops a stage at an exact moment, then kills it there.

A test cannot rely on timing ("the worker is surely mid-clean one second after it took the page": on a
faster machine it is done by then). Instead the stage itself says when it is at the point, and waits
there until the test lets it go or kills it.

Off unless the process's environment names the point in ``HOLD_POINTS`` (comma-separated). That variable
is for tests only, so it does not carry the AKHBAR_ prefix of the product's settings. At an enabled point
the stage pushes one line to ``akhbar:hold:POINT:arrived`` and waits while ``akhbar:hold:POINT:gate``
exists. `HoldPoint` is the test's side.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

ENV_VAR = "HOLD_POINTS"
PREFIX = "akhbar:hold:"
POLL_SECONDS = 0.02


def enabled(point: str) -> bool:
    names = os.environ.get(ENV_VAR)
    return bool(names) and point in {n.strip() for n in names.split(",")}


class InjectedFault(RuntimeError):
    """Raised at a hold point whose gate a test set to fail once (`HoldPoint.fail_once`)."""


def hold(client: Any, point: str, detail: str = "") -> None:
    """Announce arrival at ``point`` and wait while its gate is closed (no-op unless enabled). A gate set
    to fail raises InjectedFault here, once: the fault a test wants at exactly this point."""
    if not enabled(point):
        return
    client.rpush(f"{PREFIX}{point}:arrived", json.dumps({"pid": os.getpid(), "detail": detail}))
    gate = f"{PREFIX}{point}:gate"
    while (state := client.get(gate)) is not None:
        if state == b"fail" and client.delete(gate):
            raise InjectedFault(f"fault injected at hold point {point!r}")
        time.sleep(POLL_SECONDS)


class HoldPoint:
    """The test's side of one hold point: close the gate, wait until a process arrives, open it again."""

    def __init__(self, client: Any, point: str):
        self.client = client
        self.point = point
        self.arrived_key = f"{PREFIX}{point}:arrived"
        self.gate_key = f"{PREFIX}{point}:gate"

    def close(self) -> HoldPoint:
        self.client.delete(self.arrived_key)
        self.client.set(self.gate_key, 1)
        return self

    def wait(self, timeout: float = 180) -> dict[str, Any]:
        """The next arrival (pid and detail); raises AssertionError if none comes within ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # Short blocking reads: a client's socket timeout may be shorter than the whole wait.
            popped = self.client.blpop([self.arrived_key], timeout=1)
            if popped is not None:
                return json.loads(popped[1])
        raise AssertionError(f"no process reached hold point {self.point!r} within {timeout:.0f}s")

    def fail_once(self) -> HoldPoint:
        """The next process to arrive raises InjectedFault there instead of waiting; then the gate is open."""
        self.client.delete(self.arrived_key)
        self.client.set(self.gate_key, "fail")
        return self

    def open(self) -> None:
        self.client.delete(self.gate_key)


def install_broker_gap_hold(broker_url: str) -> None:
    """Hold point ``broker.unacked``, for tests: the worker stops between kombu's pop of a message (BRPOP)
    and its record in the `unacked` hash, once per process. A Redis stop there makes the hold's own read
    fail, and that error leaves kombu exactly as a failed record would: the message is in neither place.
    The reconciler's test uses it to lose one task deterministically."""
    if not enabled("broker.unacked"):
        return
    import redis
    from kombu.transport import redis as transport

    original = transport.QoS.append
    held = []

    def append(self: Any, message: Any, delivery_tag: Any) -> Any:
        if not held:
            held.append(delivery_tag)
            hold(redis.Redis.from_url(broker_url), "broker.unacked", str(message.headers.get("argsrepr", "")))
        return original(self, message, delivery_tag)

    transport.QoS.append = append
