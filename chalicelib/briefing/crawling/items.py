"""Item identity and duplicates: canonical URLs, content hashes and MinHash near-duplicates.

Pure functions (no I/O). Three levels of "the same item":
1. the same canonical URL (tracking parameters, fragments, session ids, default ports and query
   order removed) → the same ``item_id``: stored once;
2. the same normalised text → the same ``content_hash``: an exact duplicate;
3. nearly the same text — one release issued by several agencies, each page with its own header
   and contacts → MinHash over character shingles, banded for lookup (LSH): a near-duplicate.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
from collections.abc import Sequence
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# Query parameters that never change what a page shows (analytics, referrers, session state).
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl",
    "ref", "referer", "referrer", "call_from", "jsessionid", "phpsessid", "sessionid",
})
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
_SESSION_IN_PATH = re.compile(r";(jsessionid|phpsessid|sessionid)=[^/?#]*", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SPACE = re.compile(r"\s+")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = "-._~"

# MinHash: 64 hash functions in 16 bands of 4 rows. Two texts share a band with probability
# 1-(1-J^4)^16: 0.988 at Jaccard 0.7, 0.12 at 0.3; candidates are then compared on all 64.
NUM_HASHES = 64
BANDS = 16
ROWS = NUM_HASHES // BANDS
SHINGLE = 5
NEAR_DUPLICATE_JACCARD = 0.7
_MERSENNE = (1 << 61) - 1
_MAX_HASH = (1 << 32) - 1


def _permutations() -> tuple[tuple[int, int], ...]:
    """Fixed (a, b) pairs: signatures must be comparable across processes and releases."""
    out = []
    for i in range(NUM_HASHES):
        digest = hashlib.blake2b(f"gdesk-minhash-{i}".encode(), digest_size=16).digest()
        a, b = struct.unpack("<QQ", digest)
        out.append(((a % (_MERSENNE - 1)) + 1, b % _MERSENNE))
    return tuple(out)


_PERMS = _permutations()


def canonical_url(url: str) -> str:
    """The one spelling of a URL: lowercase scheme and host (IDNA), no default port, no fragment,
    no session id in the path, no tracking parameters, the other parameters sorted, percent-escapes
    normalised. Raises ValueError for anything that is not an absolute http(s) URL."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    host = parts.hostname.rstrip(".").lower()
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        netloc = f"[{host}]" if port in (None, _DEFAULT_PORTS[scheme]) else f"[{host}]:{port}"
    path = _SESSION_IN_PATH.sub("", parts.path) or "/"
    path = _normalize_escapes(quote(path, safe="/:@!$&'()*+,;=%" + _UNRESERVED))
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(_TRACKING_PREFIXES)
    ]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query, quote_via=quote), ""))


def _normalize_escapes(path: str) -> str:
    """Decode escapes of unreserved characters (``%7E`` → ``~``), upper-case the others."""
    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char.isascii() and (char.isalnum() or char in _UNRESERVED) else match.group(0).upper()

    return _ESCAPE.sub(fix, path)


def item_id_for(canonical: str) -> str:
    """Stable id of an item: the first 128 bits of SHA-256 of its canonical URL, in hex."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def url_key(canonical: str) -> str:
    """Full SHA-256 of the canonical URL: the key of its uniqueness claim in the store."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def normalize_text(text: str) -> str:
    """NFKC (full-width forms, compatibility jamo), case-folded, whitespace collapsed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def content_hash(title: str, text: str) -> str:
    return hashlib.sha256(f"{normalize_text(title)}\n{normalize_text(text)}".encode()).hexdigest()


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    """Character shingles of the normalised text without spaces: Korean word spacing varies
    between copies of one release, and character n-grams need no morphological analyser."""
    compact = normalize_text(text).replace(" ", "")
    if len(compact) <= size:
        return {compact} if compact else set()
    return {compact[i:i + size] for i in range(len(compact) - size + 1)}


def minhash(text: str) -> tuple[int, ...]:
    """64 MinHash values (32-bit) of the text's shingle set; all-max for an empty text."""
    base = [int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little") % _MERSENNE
            for s in shingles(text)]
    if not base:
        return (_MAX_HASH,) * NUM_HASHES
    return tuple(min(((a * x + b) % _MERSENNE) & _MAX_HASH for x in base) for a, b in _PERMS)


def band_keys(signature: Sequence[int]) -> list[str]:
    """One lookup key per band: items that share any band key are near-duplicate candidates."""
    keys = []
    for band in range(BANDS):
        rows = signature[band * ROWS:(band + 1) * ROWS]
        digest = hashlib.blake2b(struct.pack(f"<{ROWS}I", *rows), digest_size=8).hexdigest()
        keys.append(f"{band:02d}{digest}")
    return keys


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of two signatures."""
    if len(a) != len(b) or not a:
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


def pack_signature(signature: Sequence[int]) -> bytes:
    return struct.pack(f"<{len(signature)}I", *signature)


def unpack_signature(blob: bytes) -> tuple[int, ...]:
    return struct.unpack(f"<{len(blob) // 4}I", blob)


def exact_jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)
