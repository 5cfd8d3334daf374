"""Starting and checking the embedded local cloud: moto in server mode on 127.0.0.1."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request


class EndpointError(RuntimeError):
    """The AWS endpoint cannot be started or does not answer."""


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def endpoint_answers(url: str, timeout: float = 2.0) -> bool:
    """True when something that speaks HTTP answers at ``url`` (any status counts)."""
    try:
        urllib.request.urlopen(url, timeout=timeout).close()  # noqa: S310 - local endpoint check
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False
    return True


def _die_with_parent() -> None:
    """Child side of Popen: get SIGTERM when the parent dies, so no moto server is left behind."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _child_env(home: str | None, ttl_seconds: float = 0.0) -> dict[str, str]:
    from infra.local.moto_child import TTL_ENV

    env = dict(os.environ)
    env.pop("AWS_ENDPOINT_URL", None)
    env.pop(TTL_ENV, None)
    if ttl_seconds > 0:
        env[TTL_ENV] = str(ttl_seconds)
    if home:
        from infra.local.moto_child import SEED_ENV

        env[SEED_ENV] = kms_seed(home)
    return env


def kms_seed(home: str) -> str:
    """The local cloud's KMS seed (hex), created once in ``home``: stable dev keys across restarts."""
    import secrets
    from pathlib import Path

    path = Path(home) / "local-kms-seed"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip()


_CHILD = "infra.local.moto_child"  # moto.server with stable KMS key material (see that module)


def start_moto(port: int, host: str = "127.0.0.1", timeout: float = 30.0,
               home: str | None = None, ttl_seconds: float = 0.0) -> subprocess.Popen[bytes]:
    """The moto child on ``port``; with ``ttl_seconds`` it expires items itself that often."""
    if not port_free(port, host):
        raise EndpointError(f"port {port} is already in use (choose another with --aws-port)")
    env = _child_env(home, ttl_seconds)
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", _CHILD, "-H", host, "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, preexec_fn=_die_with_parent,
    )
    return _answering(process, f"http://{host}:{port}", timeout)


_RUNNING_ON = re.compile(rb"Running on http://[^:]+:(\d+)")


def start_moto_on_any_port(host: str = "127.0.0.1", timeout: float = 30.0, home: str | None = None,
                           ttl_seconds: float = 0.0) -> tuple[subprocess.Popen[bytes], int]:
    """A moto server on a port the OS picks when it binds (``-p 0``), read from its start-up line.
    Unlike ``free_port()`` + ``start_moto()`` there is no window in which another process can take
    the port, so concurrent test sessions never end up sharing one server."""
    env = _child_env(home, ttl_seconds)
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", _CHILD, "-H", host, "-p", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, preexec_fn=_die_with_parent,
    )
    assert process.stderr is not None
    found: list[int] = []
    ready = threading.Event()

    def read_stderr() -> None:  # find the port, then keep draining the request log
        assert process.stderr is not None
        for line in process.stderr:
            match = _RUNNING_ON.search(line)
            if match and not found:
                found.append(int(match.group(1)))
                ready.set()
        ready.set()

    threading.Thread(target=read_stderr, name="moto-stderr", daemon=True).start()
    if not ready.wait(timeout) or not found:
        stop(process)
        raise EndpointError(f"moto server did not start within {timeout:.0f} s")
    return _answering(process, f"http://{host}:{found[0]}", timeout), found[0]


def _answering(process: subprocess.Popen[bytes], url: str, timeout: float) -> subprocess.Popen[bytes]:
    """``process`` once its moto server answers at ``url``; stopped and an error otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EndpointError(f"moto server exited with code {process.returncode}")
        if endpoint_answers(url + "/moto-api/", timeout=0.5):
            return process
        time.sleep(0.1)
    stop(process)
    raise EndpointError(f"moto server did not answer on {url} within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes] | None, timeout: float = 5.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
