"""Attachment text extraction (HWP 5, HWPX, PDF): quality, time and memory per file and per type.

    python bench/attachments.py [--data ../shared/data/attachments] [--repeat 3] [--pdf-candidates]

Data: real Korean public-sector documents with reference texts (shared/data/attachments, see its
README). Score, as that README describes: NFC, every Unicode space dropped, then F1 over the
multiset of characters (character-bag precision/recall). Per type, the F1 is the mean of the
files' F1. Time: median of ``--repeat`` runs of ``read_document`` (sniffing included) in this
process after one warm-up; peak memory: tracemalloc peak of one run (Python allocations; pdfium's
own C heap is not seen by tracemalloc, so PDF rows also show the process's max RSS growth).
Bad files (``expected: error…`` in the manifest, and a few made here: truncated, oversized, not a
document) must be refused with a reason. ``--pdf-candidates`` also scores pdfminer.six and pypdf
against the shipped pdfium reader (they are not dependencies: install them to compare).
Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
import tracemalloc
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ../shared from the repo root (the main checkout), or from the worktrees' folder (/work/wt/<name>)
DEFAULT_DATA = next((d for d in (ROOT.parent / "shared" / "data" / "attachments",
                                 ROOT.parent.parent / "shared" / "data" / "attachments") if d.exists()),
                    ROOT.parent / "shared" / "data" / "attachments")
GOALS = {"hwp": 0.90, "hwpx": 0.95, "pdf": 0.95}


def char_bag(text: str) -> Counter[str]:
    return Counter("".join(unicodedata.normalize("NFC", text).split()))


def char_f1(reference: str, predicted: str) -> tuple[float, float, float]:
    ref, got = char_bag(reference), char_bag(predicted)
    if not ref and not got:
        return 1.0, 1.0, 1.0
    common = sum((ref & got).values())
    precision = common / sum(got.values()) if got else 0.0
    recall = common / sum(ref.values()) if ref else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def timed(run: Callable[[], object], repeat: int) -> tuple[object, float, float]:
    """(result, median seconds, tracemalloc peak MB)."""
    result = run()  # warm-up: imports, caches
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, statistics.median(times), peak / 1e6


def bad_inputs(data_dir: Path, files: list[dict]) -> list[tuple[str, bytes]]:
    """The set's bad files plus a few made here from its good ones."""
    bad = [(f["file"], (data_dir / f["file"]).read_bytes()) for f in files if f["expected"] != "text"]
    by_ext = {f["ext"]: (data_dir / f["file"]).read_bytes() for f in files if f["expected"] == "text"}
    if "hwp" in by_ext:
        bad.append(("(made) HWP cut in half", by_ext["hwp"][: len(by_ext["hwp"]) // 2]))
    if "hwpx" in by_ext:
        bad.append(("(made) HWPX cut in half", by_ext["hwpx"][: len(by_ext["hwpx"]) // 2]))
    if "pdf" in by_ext:
        bad.append(("(made) PDF header only", by_ext["pdf"][:2048]))
        bad.append(("(made) PDF over the 20 MB cap", by_ext["pdf"] + b"\0" * (21 * 1024 * 1024)))
    bad.append(("(made) a PNG named .hwp", b"\x89PNG\r\n\x1a\n" + b"\0" * 64))
    return bad


def pdf_candidates() -> dict[str, Callable[[bytes], str]]:
    import io

    def pdfminer(data: bytes) -> str:
        from pdfminer.high_level import extract_text
        from pdfminer.layout import LAParams

        return str(extract_text(io.BytesIO(data), laparams=LAParams(boxes_flow=None)))

    def pypdf(data: bytes) -> str:
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)

    return {"pdfminer.six (LAParams boxes_flow=None)": pdfminer, "pypdf": pypdf}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pdf-candidates", action="store_true")
    args = parser.parse_args(argv)
    manifest = args.data / "manifest.json"
    if not manifest.exists():
        print(f"skipped: no attachment data at {args.data} (it lives in the shared data folder)")
        return 0
    sys.path.insert(0, str(ROOT))
    from chalicelib.briefing.crawling.documents import read_document

    files = json.loads(manifest.read_text(encoding="utf-8"))
    rows, per_kind = [], {}
    for entry in files:
        if entry["expected"] != "text":
            continue
        data = (args.data / entry["file"]).read_bytes()
        reference = (args.data / f"{entry['file']}.ref.txt").read_text(encoding="utf-8")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result, seconds, peak = timed(lambda data=data: read_document(data), args.repeat)
        rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
        p, r, f1 = char_f1(reference, result.text)  # type: ignore[attr-defined]
        rows.append((entry["file"], result.kind, len(data), p, r, f1, seconds, peak, rss_growth))  # type: ignore[attr-defined]
        per_kind.setdefault(entry["ext"], []).append((f1, seconds))

    print(f"Attachment text vs reference ({len(rows)} files; character-bag F1, whitespace-insensitive)\n")
    print("| file | sniffed | kB | precision | recall | F1 | ms (median) | peak MB (Python) "
          "| max RSS growth MB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, kind, size, p, r, f1, seconds, peak, rss in rows:
        print(f"| {name} | {kind} | {size / 1024:,.0f} | {p:.3f} | {r:.3f} | **{f1:.3f}** "
              f"| {seconds * 1000:,.0f} | {peak:.1f} | {rss:.0f} |")
    print("\n| type | files | mean F1 | goal | ms per file (mean) |")
    print("|---|---:|---:|---:|---:|")
    for kind in ("hwp", "hwpx", "pdf"):
        values = per_kind.get(kind, [])
        if values:
            f1 = statistics.mean(v[0] for v in values)
            mark = "✓" if f1 >= GOALS[kind] else "✗"
            print(f"| {kind.upper()} | {len(values)} | **{f1:.3f}** | ≥ {GOALS[kind]:.2f} {mark} "
                  f"| {statistics.mean(v[1] for v in values) * 1000:,.0f} |")

    print("\nBad files (each must be refused with a reason, never raise)\n")
    print("| file | refused | code | reason (shown to the user) | ms |")
    print("|---|---|---|---|---:|")
    for name, data in bad_inputs(args.data, files):
        started = time.perf_counter()
        try:
            result = read_document(data)
            refused, code, reason = (not result.ok), result.code, result.reason
        except Exception as exc:  # noqa: BLE001 - reported as a failure of the reader
            refused, code, reason = False, "RAISED", f"{type(exc).__name__}: {exc}"
        ms = (time.perf_counter() - started) * 1000
        print(f"| {name} | {'yes' if refused else '**NO**'} | {code} | {reason} | {ms:,.0f} |")

    if args.pdf_candidates:
        pdf_table(args, files)
    return 0


def pdf_table(args: argparse.Namespace, files: list[dict]) -> None:
    from chalicelib.briefing.crawling.documents.base import DEFAULT_LIMITS
    from chalicelib.briefing.crawling.documents.pdf import read_pdf

    candidates = {"pypdfium2 (shipped)": lambda data: read_pdf(data, DEFAULT_LIMITS), **pdf_candidates()}
    pdfs = [f for f in files if f["ext"] == "pdf" and f["expected"] == "text"]
    print(f"\nPDF readers on the {len(pdfs)} PDFs (mean over files)\n")
    print("| reader | mean F1 | min F1 | ms per file (mean) | peak MB (Python, max) |")
    print("|---|---:|---:|---:|---:|")
    for name, run in candidates.items():
        scores, times, peaks = [], [], []
        for entry in pdfs:
            data = (args.data / entry["file"]).read_bytes()
            reference = (args.data / f"{entry['file']}.ref.txt").read_text(encoding="utf-8")
            try:
                text, seconds, peak = timed(lambda data=data, run=run: run(data), 1)
            except ImportError:
                print(f"| {name} | not installed | | | |")
                break
            scores.append(char_f1(reference, str(text))[2])
            times.append(seconds)
            peaks.append(peak)
        else:
            print(f"| {name} | **{statistics.mean(scores):.3f}** | {min(scores):.3f} "
                  f"| {statistics.mean(times) * 1000:,.0f} | {max(peaks):.1f} |")


if __name__ == "__main__":
    sys.exit(main())
