"""Start, probe and stop the long-running service processes we own (Redis, the search node)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child is not alive for our purposes.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        return state != "Z"
    except (OSError, IndexError):
        return True


def spawn(cmd: Sequence[str], log_file: Path, cwd: Path | None = None, env: dict | None = None) -> int:
    """Start a detached process (its own session, so it outlives the CLI) logging to log_file."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        proc = subprocess.Popen(
            list(cmd),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
    return proc.pid


def wait_until(check: Callable[[], bool], timeout: float, what: str, pid: int | None = None,
               log_file: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if pid is not None and not pid_alive(pid):
            raise ServiceStartError(f"{what} exited during start-up.{tail_hint(log_file)}")
        time.sleep(0.2)
    raise ServiceStartError(f"{what} did not become ready within {timeout:.0f}s.{tail_hint(log_file)}")


def tail_hint(log_file: Path | None, lines: int = 15) -> str:
    if not log_file or not log_file.exists():
        return ""
    tail = log_file.read_text(errors="replace").splitlines()[-lines:]
    return f"\nLast lines of {log_file}:\n  " + "\n  ".join(tail)


def terminate(pid: int | None, timeout: float = 30.0) -> bool:
    """SIGTERM, then SIGKILL after timeout. True if a process was stopped."""
    if not pid_alive(pid):
        return False
    assert pid is not None
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        _reap(pid)
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    _reap(pid)
    return True


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


class ServiceStartError(RuntimeError):
    """A service could not be started; the message says why and shows its log."""
