"""Run the real app under gunicorn on 127.0.0.1 for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
STOP_GRACE_SECONDS = 10


class GunicornStartError(RuntimeError):
    """gunicorn exited, or /healthz did not answer 200, before the deadline."""


@dataclass(frozen=True)
class Gunicorn:
    """A running gunicorn master."""

    url: str
    port: int
    log_path: Path
    pid: int

    def log(self) -> str:
        """Return everything gunicorn and the app wrote to stdout and stderr so far."""
        return self.log_path.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        """Return the pids of the master's child processes (its workers)."""
        return child_pids(self.pid)


@contextmanager
def run_gunicorn(
    env: Mapping[str, str],
    *,
    workers: int = 2,
    app: str = "gateway.app:create_app()",
    timeout: float = 30,
    log_dir: Path | None = None,
) -> Iterator[Gunicorn]:
    """Start gunicorn in the repo root, wait up to ``timeout`` s for /healthz, stop it on exit.

    ``env`` is merged over ``os.environ``. Output goes to ``gunicorn.log`` in ``log_dir`` (a
    temporary directory, removed on exit, when not given).
    """
    with tempfile.TemporaryDirectory(prefix="gunicorn-") as tmp:
        log_path = Path(log_dir or tmp) / "gunicorn.log"
        port = free_port()
        command = [
            sys.executable, "-m", "gunicorn", "--workers", str(workers),
            "--bind", f"127.0.0.1:{port}", app,
        ]
        with log_path.open("wb") as log:
            # own session: the master and its workers form a process group we can clean up
            process = subprocess.Popen(
                command, cwd=REPO_ROOT, env=with_bytecode_cache({**os.environ, **env}), stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        server = Gunicorn(f"http://127.0.0.1:{port}", port, log_path, process.pid)
        try:
            _wait_healthy(process, server, timeout)
            yield server
        finally:
            _stop(process)


def with_bytecode_cache(env: Mapping[str, str]) -> dict[str, str]:
    """Return `env` letting Python cache bytecode, outside the repo and the venv.

    Where PYTHONDONTWRITEBYTECODE is set, every process compiles its imports again
    (phonenumbers alone is 19 MB of source, seconds of CPU): tests that start the app many
    times, or time how fast a process takes over, start it as a deployed app starts.
    """
    cached = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return cached


PYCACHE = Path(tempfile.gettempdir()) / f"smsprefs-test-pycache-{os.getuid()}"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(process: subprocess.Popen, server: Gunicorn, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise GunicornStartError(
                f"gunicorn exited with {process.returncode}; log tail:\n{_tail(server)}"
            )
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as err:
            last = f"HTTP {err.code}"
        except (urllib.error.URLError, OSError) as err:
            last = repr(err)
        time.sleep(0.1)
    raise GunicornStartError(
        f"/healthz not 200 within {timeout}s (last: {last}); log tail:\n{_tail(server)}"
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with contextlib.suppress(ProcessLookupError):
        # workers orphaned by a crashed master are still in the group we created
        os.killpg(process.pid, signal.SIGKILL)


def _tail(server: Gunicorn, lines: int = 40) -> str:
    try:
        return "\n".join(server.log().splitlines()[-lines:])
    except OSError as err:
        return f"(log unreadable: {err})"


def child_pids(pid: int) -> list[int]:
    """Return the pids of the live child processes of `pid`."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # the command name may hold spaces and parentheses: split after its last ")"
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return sorted(children)
