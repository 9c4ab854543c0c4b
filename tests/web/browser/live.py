"""A real Observatory web server for browser tests and the web benchmark: uvicorn in a subprocess.

    with live_server(project, log_file) as server:
        server.url  # http://127.0.0.1:PORT

The server runs the app factory (``observatory.web.server:create``) with uvicorn's command line on a free
loopback port, with the project named by ``OBSERVATORY_PROJECT`` (or, with ``launcher="observatory"``, runs
``observatory serve --workers N`` itself). It is stopped (SIGTERM,
then SIGKILL) when the block ends; its output goes to ``log_file``, which is quoted when it fails to start.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

HOST = "127.0.0.1"
READY_PATH = "/login"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0
PORT_ATTEMPTS = 3


class ServerFailedError(RuntimeError):
    """The server did not start (its log is in the message)."""


@dataclass(frozen=True)
class LiveServer:
    url: str
    pid: int
    log: Path


def free_port() -> int:
    """A loopback port nobody listens on now (another process could take it before uvicorn does: retried)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


Launcher = Literal["uvicorn", "observatory"]


def _command(launcher: Launcher, project: Path, port: int, workers: int) -> list[str]:
    common = ["--host", HOST, "--port", str(port), "--workers", str(workers)]
    if launcher == "observatory":  # what a council runs: ``observatory serve``
        return [sys.executable, "-m", "observatory.cli", "serve", "--project", str(project), *common]
    factory = ["observatory.web.server:create", "--factory", "--log-level", "warning", "--no-access-log"]
    return [sys.executable, "-m", "uvicorn", *factory, *common]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + READY_PATH, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT)


def _tail(log: Path, lines: int = 40) -> str:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


@contextmanager
def live_server(
    project: Path, log: Path, *, workers: int = 1, launcher: Launcher = "uvicorn", env: dict[str, str] | None = None
) -> Iterator[LiveServer]:
    """Serve ``project`` until the block ends (with uvicorn's command line, or ``observatory serve``); waits until
    ``/login`` answers 200."""
    environment = {**os.environ, "OBSERVATORY_PROJECT": str(project), **(env or {})}
    for attempt in range(1, PORT_ATTEMPTS + 1):
        port = free_port()
        url = f"http://{HOST}:{port}"
        with log.open("ab") as output:
            process = subprocess.Popen(
                _command(launcher, project, port, workers),
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=project,
            )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while process.poll() is None and not _answers(url):
                if time.monotonic() > deadline:
                    raise ServerFailedError(f"the server did not answer within {START_TIMEOUT:.0f} s:\n{_tail(log)}")
                time.sleep(0.2)
            if process.poll() is not None:
                if attempt < PORT_ATTEMPTS and "address already in use" in _tail(log).lower():
                    continue
                raise ServerFailedError(f"the server exited with code {process.returncode}:\n{_tail(log)}")
            yield LiveServer(url, process.pid, log)
            return
        finally:
            _stop(process)
    raise ServerFailedError(f"no free port after {PORT_ATTEMPTS} attempts:\n{_tail(log)}")
