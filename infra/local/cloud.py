"""The local cloud in one object: the AWS endpoint (moto server, or the one in AWS_ENDPOINT_URL),
the template's resources on it, the process environment the functions see, the API server and
the event-source drivers. ``gdesk up`` and the test fixtures both build it here.
"""

from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.local import moto_server
from infra.local.bootstrap import Bootstrapper, bootstrap
from infra.local.runtime import LambdaRuntime
from infra.local.template import TEMPLATE_PATH, Stack, load

REGION = "ap-northeast-2"


def aws_environment(endpoint_url: str) -> dict[str, str]:
    """What boto3 needs to reach the local endpoint. Real credentials are never needed locally."""
    env = {"AWS_ENDPOINT_URL": endpoint_url, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}
    if not os.environ.get("AWS_ACCESS_KEY_ID"):
        env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    return env


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
                self.moto, self.aws_port = moto_server.start_moto_on_any_port()
            else:
                self.moto = moto_server.start_moto(self.aws_port)
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
        session = boto3.session.Session(region_name=REGION)
        self.bootstrapper = bootstrap(self.stack, lambda service: session.client(service))
        self.runtime = LambdaRuntime(self.stack, lambda service: session.client(service))
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
        self.runtime.start(self.stop_event, self.spawn, schedule_speedup=schedule_speedup,
                           schedules=schedules)

    def stop(self) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=5)
        if self.server is not None:
            self.server.stop()
            self.server = None
        moto_server.stop(self.moto)
        self.moto = None
