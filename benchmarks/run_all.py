"""Run every benchmark in this folder; each writes its JSON under ``--out``."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="outputs/bench")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        target = out / f"{script.stem.removeprefix('bench_')}.json"
        print(f"== {script.name} -> {target}", flush=True)
        failed += (
            subprocess.run([sys.executable, str(script), "--out", str(target)]).returncode != 0
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
