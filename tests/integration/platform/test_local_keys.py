"""The local cloud's KMS keys are the same after a restart (issue 15, 19): two moto children started
on the same GDESK_HOME give the Nth P-256 key the same public key (so the proof signing key keeps
its kid); another GDESK_HOME gives other keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.local import moto_server

pytestmark = pytest.mark.integration


def _keys(home: Path) -> list[bytes]:
    process, port = moto_server.start_moto_on_any_port(home=str(home))
    try:
        kms: Any = boto3.client("kms", endpoint_url=f"http://127.0.0.1:{port}", region_name="ap-northeast-2",
                                aws_access_key_id="testing", aws_secret_access_key="testing")
        public = []
        for _ in range(2):
            key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
            public.append(kms.get_public_key(KeyId=key)["PublicKey"])
        return public
    finally:
        moto_server.stop(process)


def test_kms_keys_survive_a_restart_of_the_local_cloud(tmp_path: Path) -> None:
    first = _keys(tmp_path / "home")
    again = _keys(tmp_path / "home")
    other = _keys(tmp_path / "other-home")
    assert first == again and first[0] != first[1]
    assert not set(first) & set(other)
    assert (tmp_path / "home" / "local-kms-seed").stat().st_mode & 0o077 == 0  # private to the user
