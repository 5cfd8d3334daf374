"""The local cloud's moto server process, with stable KMS key material.

moto gives every new KMS key random material, so after a restart of ``gdesk up`` the proof signing
key had a new public key: every proof made before verified as "unknown kid". Here the material of
each new key is derived from a secret seed kept in ``GDESK_HOME`` (``GDESK_LOCAL_KMS_SEED``, hex)
and the key's position in creation order per key spec. The bootstrap creates the template's keys
in the same order every time, so the Nth P-256 signing key and the Nth symmetric key are the same
keys after every restart. Deleting ``GDESK_HOME`` (the documented reset) gives new keys.
RSA keys and anything else keep moto's random material. Only the local cloud runs this module.

Usage: ``python -m infra.local.moto_child -H 127.0.0.1 -p 4566`` (moto.server's own arguments).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
import threading
from collections import Counter
from typing import Any

SEED_ENV = "GDESK_LOCAL_KMS_SEED"
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class StableKeys:
    """Key material as a function of (seed, key spec, how many keys of that spec came before)."""

    def __init__(self, seed: bytes) -> None:
        self._seed = seed
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def material(self, label: str, size: int = 32) -> bytes:
        with self._lock:
            self._counts[label] += 1
            n = self._counts[label]
        out, block = b"", 0
        while len(out) < size:
            block += 1
            out += hmac.new(self._seed, f"{label}/{n}/{block}".encode(), hashlib.sha256).digest()
        return out[:size]

    def p256_scalar(self) -> int:
        return int.from_bytes(self.material("ECC_NIST_P256", 48), "big") % (_P256_ORDER - 1) + 1


def install(seed: bytes) -> StableKeys:
    """Patch moto's KMS key generation (in this process only) to derive from ``seed``."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from moto.kms import models

    keys = StableKeys(seed)
    random_private_key = models.generate_private_key

    def private_key(key_spec: str) -> Any:
        key = random_private_key(key_spec)
        if key_spec == "ECC_NIST_P256":
            key.private_key = ec.derive_private_key(keys.p256_scalar(), ec.SECP256R1())
        return key

    models.generate_private_key = private_key  # type: ignore[attr-defined]
    models.generate_master_key = lambda: keys.material("SYMMETRIC_DEFAULT")  # type: ignore[attr-defined]
    return keys


def main(argv: list[str]) -> None:
    seed = os.environ.get(SEED_ENV, "")
    if seed:
        install(bytes.fromhex(seed))
    from moto.server import main as moto_main

    moto_main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
