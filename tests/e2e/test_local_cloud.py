"""`gdesk up` as a user runs it: the console script in a subprocess, READY, a token from
`gdesk token`, an authenticated call, Ctrl-C, and nothing left running or listening afterwards.
Also the one-line errors for a busy port, a dead AWS_ENDPOINT_URL and a template that does not parse.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from infra.local.moto_server import free_port, port_free
from tests.e2e.support import stop_gdesk

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
GDESK = Path(sys.executable).parent / "gdesk"
READY = re.compile(r"^READY (http://127\.0\.0\.1:(\d+))$")


def _env(home: Path, **extra: str) -> dict[str, str]:
    """A user's shell: no endpoint or G-Desk settings inherited from the test session."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GDESK_", "AWS_", "POWERTOOLS_"))}
    env.update({"GDESK_HOME": str(home), "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc; psutil is not a dependency)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class Up:
    process: subprocess.Popen[str]
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        def pump() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.lines.put(line.rstrip("\n"))
        threading.Thread(target=pump, daemon=True).start()

    def wait_for(self, pattern: re.Pattern[str], timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.seen.append(line)
            match = pattern.match(line)
            if match:
                return match
        stderr = self.process.stderr.read() if self.process.poll() is not None and self.process.stderr else ""
        raise AssertionError(f"no {pattern.pattern!r} within {timeout}s; stdout={self.seen} stderr={stderr}")


@pytest.fixture
def start_up(tmp_path: Path) -> Iterator[object]:
    started: list[Up] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Up:
        process = subprocess.Popen([str(GDESK), "up", *args], cwd=tmp_path,
                                   env=env or _env(tmp_path / "home"),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        up = Up(process)
        started.append(up)
        return up

    yield start
    for up in started:  # never leave a local cloud behind, even when a test fails
        stop_gdesk(up.process)


def _run_and_stop(start_up: object, tmp_path: Path, *flags: str, ready_timeout: float) -> list[str]:
    api_port, aws_port = free_port(), free_port()
    home = tmp_path / "home"
    up = start_up("--api-port", str(api_port), "--aws-port", str(aws_port), *flags)  # type: ignore[operator]
    started = time.monotonic()
    match = up.wait_for(READY, timeout=ready_timeout)
    ready_after = time.monotonic() - started
    api_url = match.group(1)
    assert int(match.group(2)) == api_port
    up.wait_for(re.compile(r"^Ctrl-C to stop"), timeout=10)  # the demo URLs come before it
    tree = _descendants(up.process.pid)
    assert tree, "the moto server runs as a child of gdesk up"

    assert requests.get(f"{api_url}/health", timeout=5).json() == {"status": "ok"}
    token = subprocess.run([str(GDESK), "token", "--user", "E1001", "--role", "employee"], cwd=tmp_path,
                           env=_env(home), capture_output=True, text=True, timeout=60,
                           check=True).stdout.strip()
    assert token.count(".") == 2
    me = requests.get(f"{api_url}/me", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert me.status_code == 200, me.text
    assert me.json() == {"id": "E1001", "name": "김민준", "department": "도로관리과", "roles": ["employee"]}
    # The AWS side is the moto server gdesk started, on the port asked for.
    assert requests.get(f"http://127.0.0.1:{aws_port}/moto-api/", timeout=5).status_code < 500

    up.process.send_signal(signal.SIGINT)
    assert up.process.wait(timeout=30) == 0
    time.sleep(0.2)
    assert not [pid for pid in tree | {up.process.pid} if _alive(pid)], "processes left behind"
    assert port_free(api_port) and port_free(aws_port), "ports left open"
    return [*up.seen, f"ready after {ready_after:.1f}s"]


def test_up_ready_health_token_me_and_a_clean_stop(start_up: object, tmp_path: Path) -> None:
    lines = _run_and_stop(start_up, tmp_path, "--no-demo", ready_timeout=60)
    assert any(line.endswith("/login") for line in lines), lines


def test_up_with_demo_data(start_up: object, tmp_path: Path) -> None:
    lines = _run_and_stop(start_up, tmp_path, ready_timeout=90)
    assert lines[-1].startswith("ready after")
    # The terminal gets the URLs; the functions' JSON logs and EMF metrics go to the log file.
    assert not [line for line in lines if line.lstrip().startswith("{")], lines
    log_line = next(line for line in lines if "functions.log" in line)
    log = Path(log_line.rsplit(": ", 1)[1]).read_text(encoding="utf-8")
    assert '"_aws"' in log or '"level"' in log


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("gdesk: error: ") and "Traceback" not in result.stderr
    assert "READY" not in result.stdout
    return lines[0]


def _up(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(GDESK), "up", *args], cwd=tmp_path, env=env or _env(tmp_path / "home"),
                          capture_output=True, text=True, timeout=90)


def test_api_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        aws_port = free_port()
        line = _one_line_error(_up(tmp_path, "--api-port", str(port), "--aws-port", str(aws_port),
                                   "--no-demo"))
        assert f"port {port} is already in use" in line
    assert port_free(aws_port), "the moto server was not left running"


def test_aws_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        api_port = free_port()
        line = _one_line_error(_up(tmp_path, "--api-port", str(api_port), "--aws-port", str(port),
                                   "--no-demo"))
        assert f"port {port} is already in use" in line
    assert port_free(api_port)


def test_a_dead_aws_endpoint(tmp_path: Path) -> None:
    dead = free_port()
    env = _env(tmp_path / "home", AWS_ENDPOINT_URL=f"http://127.0.0.1:{dead}")
    line = _one_line_error(_up(tmp_path, "--api-port", str(free_port()), "--no-demo", env=env))
    assert f"127.0.0.1:{dead}" in line and "does not answer" in line


def test_a_template_that_does_not_parse(tmp_path: Path) -> None:
    bad = tmp_path / "template.yaml"
    bad.write_text("Resources: [unclosed\n")
    result = _up(tmp_path, "--template", str(bad), "--api-port", str(free_port()),
                 "--aws-port", str(free_port()), "--no-demo")
    line = _one_line_error(result)
    assert "template does not parse" in line
    assert result.returncode == 2


def test_help_lists_the_flags(tmp_path: Path) -> None:
    result = subprocess.run([str(GDESK), "up", "--help"], env=_env(tmp_path / "home"), capture_output=True,
                            text=True, timeout=60, check=True)
    for flag in ("--api-port", "--aws-port", "--no-demo"):
        assert flag in result.stdout
