"""The local cloud's moto server process: stable KMS key material, and DynamoDB made thread-safe.

moto gives every new KMS key random material, so after a restart of ``gdesk up`` the proof signing
key had a new public key: every proof made before verified as "unknown kid". Here the material of
each new key is derived from a secret seed kept in ``GDESK_HOME`` (``GDESK_LOCAL_KMS_SEED``, hex)
and the key's position in creation order per key spec. The bootstrap creates the template's keys
in the same order every time, so the Nth P-256 signing key and the Nth symmetric key are the same
keys after every restart. Deleting ``GDESK_HOME`` (the documented reset) gives new keys.
RSA keys and anything else keep moto's random material. Only the local cloud runs this module.

moto's DynamoDB is not thread-safe: TransactWriteItems deep-copies every table it touches (its
rollback copy) while the server's other threads write to them, and answered 500 ("dictionary changed
size during iteration") under 50 concurrent clients. DynamoDB requests are handled one at a time
here (the server is bound by one interpreter lock anyway, so little throughput is lost). And that
rollback copy of whole tables made every transaction O(table size) (50 ms at 500 items): it keeps
a copy of just the items the transaction touches instead, with the same all-or-nothing outcome.

Three more of moto's costs are the emulator's own, not DynamoDB's, and they are removed here (the
load benchmark, ``bench/load.py``, waits on them): a Query on a table's key reads only that
partition (moto sorted every item of the table for each Query: 40 ms at 2,000 items, under the lock
above), the service behind a request's host is looked up once per host (moto listed its package
directory and tried some 200 URL patterns on every request, under a process-wide lock), and no
line is logged per request (``gdesk up`` discards the child's output anyway).

moto does not expire items. The runtime's TTL sweep (``LambdaRuntime.sweep_ttl``) does it through
the API, with a Scan of every table, and moto's Scan is slow (5 s for 5,000 items, most of it in one
page, holding the DynamoDB lock: every request waited). ``gdesk up`` on its own moto child has the
child expire items instead, in the process, as DynamoDB's TTL process does beside the table:
``expire_items`` checks each item's TTL attribute (milliseconds for thousands of items).

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
        key: Any = random_private_key(key_spec)
        if key_spec == "ECC_NIST_P256":
            key.private_key = ec.derive_private_key(keys.p256_scalar(), ec.SECP256R1())
        return key

    models.generate_private_key = private_key  # type: ignore[attr-defined]
    models.generate_master_key = lambda: keys.material("SYMMETRIC_DEFAULT")  # type: ignore[attr-defined]
    return keys


_DYNAMODB = threading.Lock()  # held by every DynamoDB request and by the TTL expiry
TTL_ENV = "GDESK_LOCAL_TTL_SECONDS"  # how often the child expires items; unset: it does not


def serialize_dynamodb() -> None:
    """One DynamoDB request at a time in this process (see the module's docstring)."""
    from moto.dynamodb.responses import DynamoHandler

    call_action = DynamoHandler.call_action

    def locked(self: Any) -> Any:
        with _DYNAMODB:
            return call_action(self)

    DynamoHandler.call_action = locked  # type: ignore[method-assign]


def cheap_transaction_rollback() -> None:
    """TransactWriteItems backs up the items it touches, not deep copies of whole tables."""
    import copy as copy_module

    from moto.dynamodb import models

    real_deepcopy = copy_module.deepcopy

    class _Copy:  # moto.dynamodb.models' ``copy``: tables are not copied for the rollback
        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, models.Table) else real_deepcopy(value, memo)

        copy = staticmethod(copy_module.copy)

    models.copy = _Copy  # type: ignore[assignment]
    transact = models.DynamoDBBackend.transact_write_items

    def key_of(backend: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any] | None:
        if op_type != "Put":
            return op.get("Key")
        table = backend.get_table(op["TableName"])
        names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
        return {name: op["Item"][name] for name in names if name in op["Item"]}

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        backups = []
        for entry in transact_items:
            try:
                op_type, op = next(iter(entry.items()))
                key = key_of(self, op_type, op)
                if key is not None:
                    item = self.get_item(op["TableName"], key)
                    backups.append((op["TableName"], key, real_deepcopy(item) if item else None))
            except Exception:  # noqa: BLE001, S112 - moto itself reports what is wrong with this entry
                continue
        try:
            transact(self, transact_items)
        except Exception:
            for table_name, key, item in reversed(backups):
                if item is None:
                    if self.get_item(table_name, key) is not None:
                        self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, item.to_json()["Attributes"])
            raise

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def partition_queries() -> None:
    """A Query on the table's own key (no index) reads that partition, not every item sorted."""
    from moto.dynamodb.models.table import Table

    real_query, real_all_items = Table.query, Table.all_items
    scope = threading.local()

    def all_items(self: Any) -> list[Any]:
        if id(getattr(scope, "table", None)) != id(self):
            return real_all_items(self)
        partition = self.items.get(scope.hash_key)  # a defaultdict: never index it here
        if partition is None:
            return []
        return list(partition.values()) if self.range_key_attr else [partition]

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name or hash_key is None:
            return real_query(self, hash_key, *args, **kwargs)
        # moto's key-only branch keeps the items of all_items() whose hash key is this one and
        # sorts them by range key itself: given just the partition, it answers the same.
        scope.table, scope.hash_key = self, hash_key
        try:
            return real_query(self, hash_key, *args, **kwargs)
        finally:
            scope.table = None

    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]


def cached_backend_lookup() -> None:
    """The moto service behind a host name, looked up once per host (hosts are few and fixed)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    lookup = DomainDispatcherApplication.get_backend_for_host
    known: dict[str, Any] = {}

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        if host is not None and host in known:
            return known[host]
        backend = lookup(self, host)
        if host is not None and backend and len(known) < 1024:
            known[host] = backend
        return backend

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]


def quiet_request_log() -> None:
    """No log line per request (errors are still logged)."""
    from werkzeug.serving import WSGIRequestHandler

    WSGIRequestHandler.log_request = lambda self, *args, **kwargs: None  # type: ignore[method-assign]


def _ttl_expired(value: Any, now: float) -> bool:
    """DynamoDB TTL: a Number attribute holding epoch seconds that lies in the past."""
    if value is None or value.type != "N":
        return False
    try:
        return float(value.value) <= now
    except ValueError:
        return False


def expire_items(now: float | None = None) -> int:
    """Delete the items of every TTL-enabled table (every account and region) whose TTL has passed;
    returns how many. Under the DynamoDB lock, one table at a time."""
    import time

    from moto.dynamodb.models import dynamodb_backends

    now = time.time() if now is None else now
    deleted = 0
    for account in list(dynamodb_backends.values()):
        for backend in list(account.values()):
            for table in list(backend.tables.values()):
                ttl = getattr(table, "ttl", None) or {}
                if ttl.get("TimeToLiveStatus") != "ENABLED" or not ttl.get("AttributeName"):
                    continue
                with _DYNAMODB:
                    partitions: list[Any] = list(table.items.values())
                    items: list[Any] = [i for p in partitions
                                        for i in (p.values() if table.range_key_attr else [p])]
                    for item in items:
                        if _ttl_expired(item.attrs.get(ttl["AttributeName"]), now):
                            table.delete_item(item.hash_key, item.range_key)
                            deleted += 1
    return deleted


def expire_items_every(seconds: float) -> None:
    """``expire_items`` in a daemon thread every ``seconds``."""
    def run() -> None:
        import time

        while True:
            time.sleep(seconds)
            try:
                expire_items()
            except Exception:  # noqa: BLE001, S110 - a table changed under us: the next round retries
                pass

    threading.Thread(target=run, name="ttl-expiry", daemon=True).start()


def main(argv: list[str]) -> None:
    seed = os.environ.get(SEED_ENV, "")
    if seed:
        install(bytes.fromhex(seed))
    serialize_dynamodb()
    cheap_transaction_rollback()
    partition_queries()
    cached_backend_lookup()
    quiet_request_log()
    ttl_seconds = float(os.environ.get(TTL_ENV) or 0)
    if ttl_seconds > 0:
        expire_items_every(ttl_seconds)
    from moto.server import main as moto_main

    moto_main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
