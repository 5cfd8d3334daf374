"""The local cloud when things go wrong (issue 15, 18-22): the moto child dies, `gdesk up` restarts,
the AWS endpoint goes away under it, `make run` gets SIGINT, and CLI commands find a `gdesk up`
that runs on other ports than the defaults."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from infra.local import moto_server
from infra.local.moto_server import free_port, port_free
from tests.e2e.support import stop_gdesk
from tests.e2e.test_local_cloud import GDESK, READY, ROOT, Up, _alive, _descendants, _env

pytestmark = pytest.mark.e2e


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:  # never leave a local cloud behind, even when a test fails
        stop_gdesk(process)


def _as_from_a_terminal() -> None:
    """Ctrl-C acts as in a terminal: a test suite started in the background (`make test &` in a
    script) passes SIGINT on as *ignored*, and make keeps an ignored SIGINT ignored, so `kill -INT`
    of `make run` would test the launcher, not G-Desk."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _up(processes: list[subprocess.Popen[str]], cwd: Path, env: dict[str, str], *args: str,
        command: list[str] | None = None) -> Up:
    process = subprocess.Popen(command or [str(GDESK), "up", "--no-demo", *args], cwd=cwd, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_as_from_a_terminal)
    processes.append(process)
    return Up(process)


def _kids(api_url: str) -> set[str]:
    keys = requests.get(f"{api_url}/.well-known/jwks.json", timeout=10).json()["keys"]
    return {k["kid"] for k in keys}


def _health(api_url: str) -> tuple[int, dict[str, Any]]:
    response = requests.get(f"{api_url}/health", timeout=10)
    return response.status_code, response.json()


def _wait_health(api_url: str, status: int, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    seen: tuple[int, dict[str, Any]] = (0, {})
    while time.monotonic() < deadline:
        seen = _health(api_url)
        if seen[0] == status:
            return seen[1]
        time.sleep(0.5)
    raise AssertionError(f"/health never answered {status}; last {seen}")


def _moto_child(pid: int) -> int:
    for child in _descendants(pid):
        try:
            if b"moto_child" in Path(f"/proc/{child}/cmdline").read_bytes():
                return child
        except OSError:
            continue
    raise AssertionError("no moto child under gdesk up")


def test_a_dead_moto_child_is_restarted_and_keys_stay_the_same_across_restarts(
        processes: list[subprocess.Popen[str]], tmp_path: Path) -> None:
    home, api_port, aws_port = tmp_path / "home", free_port(), free_port()
    flags = ("--api-port", str(api_port), "--aws-port", str(aws_port))
    up = _up(processes, tmp_path, _env(home), *flags)
    api_url = up.wait_for(READY, timeout=120).group(1)
    up.wait_for(re.compile(r"^Ctrl-C to stop"), timeout=10)
    kids = _kids(api_url)
    assert kids and _health(api_url) == (200, {"status": "ok"})

    # 21: a CLI command finds this local cloud (not :4566, not the default names) through GDESK_HOME.
    listed = subprocess.run([str(GDESK), "keys", "list"], cwd=tmp_path, env=_env(home), capture_output=True,
                            text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert any(kid in listed.stdout for kid in kids), listed.stdout

    # 18: the moto child dies → one line, a new child on the same port, the resources again.
    child = _moto_child(up.process.pid)
    subprocess.run(["kill", "-KILL", str(child)], check=True)
    line = up.wait_for(re.compile(r"^gdesk: the moto server exited"), timeout=60).string
    assert str(aws_port) in line and "rebuilt" in line
    assert _wait_health(api_url, 200) == {"status": "ok"}
    assert _moto_child(up.process.pid) != child
    # 19: the proof signing key is the same key (same kid) on the new endpoint …
    assert _kids(api_url) == kids

    up.process.send_signal(signal.SIGINT)
    assert up.process.wait(timeout=30) == 0
    assert not (home / "local-cloud.json").exists(), "the record of a stopped cloud is removed"

    # … and after a restart of `gdesk up` itself.
    again = _up(processes, tmp_path, _env(home), *flags)
    api_url = again.wait_for(READY, timeout=120).group(1)
    assert _kids(api_url) == kids
    stop_gdesk(again.process)
    assert again.process.returncode == 0


def test_health_reports_an_aws_endpoint_that_went_away(processes: list[subprocess.Popen[str]],
                                                       tmp_path: Path) -> None:
    aws_port = free_port()
    moto = moto_server.start_moto(aws_port)  # not gdesk's child: it cannot restart this one
    try:
        env = _env(tmp_path / "home", AWS_ENDPOINT_URL=f"http://127.0.0.1:{aws_port}")
        up = _up(processes, tmp_path, env, "--api-port", str(free_port()))
        api_url = up.wait_for(READY, timeout=120).group(1)
        assert _health(api_url) == (200, {"status": "ok"})
        moto_server.stop(moto)
        body = _wait_health(api_url, 503, timeout=30)
        assert body["status"] == "degraded" and body["aws"]["ok"] is False and body["aws"]["reason"]
    finally:
        moto_server.stop(moto)


def test_kill_int_of_make_run_stops_everything(processes: list[subprocess.Popen[str]],
                                               tmp_path: Path) -> None:
    api_port, aws_port = free_port(), free_port()
    venv = Path(sys.executable).parent.parent
    command = ["make", "--no-print-directory", "-C", str(ROOT), "-o", f"{venv}/.installed", "run",
               f"VENV={venv}", f"GDESK_UP_ARGS=--no-demo --api-port {api_port} --aws-port {aws_port}"]
    up = _up(processes, tmp_path, _env(tmp_path / "home"), command=command)
    up.wait_for(READY, timeout=120)
    tree = _descendants(up.process.pid)
    assert tree, "gdesk up runs under make"
    up.process.send_signal(signal.SIGINT)  # kill -INT <pid of make run>
    up.process.wait(timeout=30)
    time.sleep(0.3)
    assert not [pid for pid in tree | {up.process.pid} if _alive(pid)], "processes left behind"
    assert port_free(api_port) and port_free(aws_port), "ports left open"
