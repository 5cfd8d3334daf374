"""Run every benchmark in bench/ (each prints a Markdown table) one after another.

    python bench/run_all.py [name ...]     e.g. python bench/run_all.py coldstart trips
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    wanted = set(sys.argv[1:])
    scripts = [p for p in sorted(HERE.glob("*.py"))
               if p.name not in {"run_all.py", "__init__.py"} and not p.name.startswith("_")
               and (not wanted or p.stem in wanted)]
    failed = []
    for script in scripts:
        print(f"\n## {script.stem}\n", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"\n_{script.stem}: {time.monotonic() - started:.0f} s, exit {code}_", flush=True)
        if code:
            failed.append(script.stem)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
