"""The local cloud in one object: the AWS endpoint (moto server, or the one in AWS_ENDPOINT_URL),
the template's resources on it, the process environment the functions see, the API server and
the event-source drivers. ``gdesk up`` and the test fixtures both build it here.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.local import moto_server
from infra.local.bootstrap import Bootstrapper, bootstrap
from infra.local.runtime import LambdaRuntime
from infra.local.template import TEMPLATE_PATH, Stack, load

REGION = "ap-northeast-2"
RECORD_NAME = "local-cloud.json"  # in GDESK_HOME while `gdesk up` runs


def running_cloud(home: str) -> dict[str, Any] | None:
    """The record of the `gdesk up` running on ``home`` (endpoint, API URL, stack name, the
    functions' environment with every resource name), or None when none is running there."""
    try:
        record = json.loads((Path(home) / RECORD_NAME).read_text(encoding="utf-8"))
        os.kill(int(record["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(record, dict) or not moto_server.endpoint_answers(str(record.get("endpoint_url"))):
        return None
    return record


def use_running_cloud(home: str) -> dict[str, Any] | None:
    """Point this process (boto3 and the app's settings) at the running local cloud's endpoint and
    resource names; None (and nothing changed) when no `gdesk up` runs on ``home``."""
    record = running_cloud(home)
    if record is None:
        return None
    os.environ.update(aws_environment(str(record["endpoint_url"])))
    os.environ.update({k: str(v) for k, v in (record.get("environment") or {}).items()})
    os.environ["GDESK_HOME"] = home
    reset_app_caches()
    return record


def aws_environment(endpoint_url: str) -> dict[str, str]:
    """What boto3 needs to reach the local endpoint. Real credentials are never needed locally."""
    env = {"AWS_ENDPOINT_URL": endpoint_url, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}
    if not os.environ.get("AWS_ACCESS_KEY_ID"):
        env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    return env


def client_cache(session: Any) -> Callable[[str], Any]:
    """One boto3 client per service, made on first use: the event-source pollers ask for one
    several times a second, and making a client costs ~10 ms of CPU (clients are thread-safe)."""
    made: dict[str, Any] = {}
    lock = threading.Lock()

    def client(service: str) -> Any:
        with lock:
            if service not in made:
                made[service] = session.client(service)
            return made[service]

    return client


def reset_app_caches() -> None:
    """Make the app re-read its settings and rebuild clients after the environment changed."""
    from chalicelib import auth, aws, wiring
    from chalicelib.settings import get_settings

    get_settings.cache_clear()
    aws.reset()
    auth.reset()
    wiring.reset()


@dataclass
class LocalCloud:
    home: str
    endpoint_url: str = ""  # empty: start a moto server on aws_port
    aws_port: int = 4566  # 0: any free port
    api_port: int = 8000
    stack_name: str = "gdesk-local"
    template_path: Path = TEMPLATE_PATH
    dev_issuer: bool = True
    # How often the moto child we start expires items itself (0: the runtime's TTL sweeper does it
    # through the API, as on any other endpoint; see infra/local/moto_child.py for why not always).
    child_ttl_seconds: float = 0.0
    moto: subprocess.Popen[bytes] | None = None
    stack: Stack | None = None
    runtime: LambdaRuntime | None = None
    server: Any = None
    bootstrapper: Bootstrapper | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def start_endpoint(self) -> str:
        if self.endpoint_url:
            if not moto_server.endpoint_answers(self.endpoint_url):
                raise moto_server.EndpointError(
                    f"AWS_ENDPOINT_URL={self.endpoint_url} does not answer (is LocalStack/moto running?)")
        else:
            if self.aws_port == 0:  # any free port, picked atomically by the OS
                self.moto, self.aws_port = moto_server.start_moto_on_any_port(
                    home=self.home, ttl_seconds=self.child_ttl_seconds)
            else:
                self.moto = moto_server.start_moto(self.aws_port, home=self.home,
                                                   ttl_seconds=self.child_ttl_seconds)
            self.endpoint_url = f"http://127.0.0.1:{self.aws_port}"
        os.environ.update(aws_environment(self.endpoint_url))
        return self.endpoint_url

    def create_resources(self) -> Stack:
        """Bootstrap the template on the endpoint and export the functions' environment."""
        import boto3

        from chalicelib import devissuer

        parameters = {"Stage": "dev", "PublicUrl": self.api_url}
        extra: dict[str, str] = {"GDESK_HOME": self.home}
        if self.dev_issuer:
            dev_env = devissuer.environment(self.home)
            parameters.update({"OidcIssuer": dev_env["GDESK_OIDC_ISSUER"],
                               "OidcJwksUrl": dev_env["GDESK_OIDC_JWKS_URL"],
                               "OidcAudience": dev_env["GDESK_OIDC_AUDIENCE"]})
            extra.update(dev_env)
        self.stack = Stack(load(self.template_path), name=self.stack_name, region=REGION,
                           parameters=parameters)
        clients = client_cache(boto3.session.Session(region_name=REGION))
        self.bootstrapper = bootstrap(self.stack, clients)
        self.runtime = LambdaRuntime(self.stack, clients)
        os.environ.update(self.runtime.environment())
        os.environ.update(extra)
        reset_app_caches()
        return self.stack

    def start_api(self) -> str:
        from infra.local.server import LocalApiServer

        if not moto_server.port_free(self.api_port):
            raise moto_server.EndpointError(
                f"port {self.api_port} is already in use (choose another with --api-port)")
        from app import app

        self.server = LocalApiServer(app, port=self.api_port).start()
        return self.server.url

    def spawn(self, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def start_event_sources(self, schedule_speedup: float = 1.0, schedules: bool = True) -> None:
        assert self.runtime is not None
        child_expires = self.moto is not None and self.child_ttl_seconds > 0
        self.runtime.start(self.stop_event, self.spawn, schedule_speedup=schedule_speedup,
                           schedules=schedules, sweep=not child_expires)

    # -- supervision of the moto child ------------------------------------------------------------

    def supervise(self, say: Callable[[str], None], give_up: Callable[[str], None],
                  interval: float = 0.5, max_restarts: int = 3, window_s: float = 60.0) -> None:
        """Watch the moto child (when we started one): if it dies, restart it on the same port and
        rebuild the template's resources on it, saying so in one line; after ``max_restarts``
        within ``window_s``, or if a restart fails, call ``give_up`` with one line instead."""
        if self.moto is None:
            return
        restarts: list[float] = []

        def watch() -> None:
            while not self.stop_event.wait(interval):
                process = self.moto
                if process is None or process.poll() is None:
                    continue
                code = process.returncode
                now = time.monotonic()
                restarts[:] = [t for t in restarts if now - t < window_s] + [now]
                if len(restarts) > max_restarts:
                    give_up(f"the moto server (AWS endpoint {self.endpoint_url}) exited with code {code} "
                            f"{len(restarts)} times within {window_s:.0f} s; stopping")
                    return
                try:
                    self.moto = moto_server.start_moto(self.aws_port, home=self.home,
                                                   ttl_seconds=self.child_ttl_seconds)
                    self.rebuild_resources()
                except Exception as exc:  # noqa: BLE001 - one line, then stop everything
                    give_up(f"the moto server exited with code {code} and could not be restarted: {exc}")
                    return
                say(f"gdesk: the moto server exited with code {code}; restarted it on {self.endpoint_url} "
                    "and rebuilt the template's resources (their data is gone; the KMS keys are the same)")

        self.spawn("moto-supervisor", watch)

    def rebuild_resources(self) -> None:
        """Create the template's resources again on a fresh endpoint (same names, same keys)."""
        import boto3

        assert self.stack is not None
        # Forget what the old endpoint called things (in place: the runtime shares this stack), so
        # resources are created in dependency order again, as on the first start.
        self.stack.physical.clear()
        self.stack.attributes.clear()
        self.bootstrapper = bootstrap(self.stack, client_cache(boto3.session.Session(region_name=REGION)))
        if self.runtime is not None:
            os.environ.update(self.runtime.environment())
            self.runtime.forget_stream_positions()
        reset_app_caches()

    # -- the record of the running local cloud, for CLI commands -----------------------------------

    @property
    def record_path(self) -> Path:
        return Path(self.home) / RECORD_NAME

    def write_record(self) -> Path:
        """Where this local cloud runs and what its resources are called, for other commands."""
        record = {"pid": os.getpid(), "endpoint_url": self.endpoint_url, "api_url": self.api_url,
                  "stack_name": self.stack_name, "region": REGION,
                  "environment": self.runtime.environment() if self.runtime else {}}
        self.record_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.record_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(self.record_path)
        return self.record_path

    def stop(self) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=5)
        if self.server is not None:
            self.server.stop()
            self.server = None
        moto_server.stop(self.moto)
        self.moto = None
        try:
            if self.record_path.exists() and json.loads(self.record_path.read_text())["pid"] == os.getpid():
                self.record_path.unlink()
        except (OSError, ValueError, KeyError):
            pass
