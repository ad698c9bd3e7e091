"""What importing pulumi_huggingface costs on top of importing pulumi.

Every `pulumi up` imports the package twice (in the program, and in the provider server when the
first request is unpickled), so its import time is paid on every deployment and preview. What is
timed is what a program runs, ``from pulumi_huggingface import InferenceEndpoint``: the package
itself resolves its names lazily, so a bare ``import pulumi_huggingface`` would time almost nothing.
The resource module imports the provider module, which the plugin imports when it unpickles the
provider. Each figure is the median of fresh interpreter runs, the imports alternating so that disk
caches and CPU frequency affect all alike.

Run from the repository root:
    .venv/bin/python bench/import_cost.py --repeat 15
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import print_command

_TIMED = "import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
PROGRAM_IMPORT = "from pulumi_huggingface import InferenceEndpoint"


def import_seconds(statement: str, *, before: str = "") -> float:
    """Seconds one fresh interpreter takes to run the import `statement`, after running `before` untimed."""
    code = (before + "; " if before else "") + _TIMED.format(statement=statement)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def importtime_top(statement: str, *, before: str, count: int) -> list[tuple[int, str]]:
    """The modules `-X importtime` charges most (cumulative microseconds) when running `statement`."""
    code = (before + "; " if before else "") + statement
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], check=True, capture_output=True, text=True
    ).stderr
    rows: list[tuple[int, str]] = []
    seen_before = set()
    if before:
        pre = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", before], check=True, capture_output=True, text=True
        ).stderr
        seen_before = {line.split("|")[2].strip() for line in pre.splitlines() if line.count("|") == 2}
    for line in err.splitlines():
        if line.count("|") != 2 or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        if name.strip() in seen_before:
            continue
        rows.append((int(cumulative.strip().removeprefix("import time:").strip()), name.rstrip()))
    return sorted(rows, reverse=True)[:count]


def _loaded_after(statement: str) -> set[str]:
    code = f"{statement}; import sys; print(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return set(out.split())


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--repeat", type=int, default=15, help="interpreter runs per figure (default: %(default)s)"
    )
    parser.add_argument(
        "--importtime", action="store_true", help="also list the costliest modules (-X importtime)"
    )
    args = parser.parse_args(argv)
    print_command(sys.argv[1:] if argv is None else argv)

    pulumi_alone: list[float] = []
    ours_alone: list[float] = []
    ours_after_pulumi: list[float] = []
    for _ in range(args.repeat):
        pulumi_alone.append(import_seconds("import pulumi"))
        ours_alone.append(import_seconds(PROGRAM_IMPORT))
        ours_after_pulumi.append(import_seconds(PROGRAM_IMPORT, before="import pulumi"))

    base = statistics.median(pulumi_alone)
    total = statistics.median(ours_alone)
    extra = statistics.median(ours_after_pulumi)
    print(f"median of {args.repeat} fresh interpreters each ({sys.version.split()[0]})")
    rows = [
        ("import pulumi", base),
        (PROGRAM_IMPORT, total),
        (PROGRAM_IMPORT + ", after pulumi", extra),
    ]
    for label, seconds in rows:
        print(f"  {label:<64}{seconds * 1000:8.1f} ms")
    print(
        f"ratio pulumi_huggingface / pulumi alone: {total / base:.2f} (extra over pulumi: {extra / base:.2f})"
    )
    loaded = _loaded_after(PROGRAM_IMPORT)
    print(f"httpx imported by it: {'yes' if 'httpx' in loaded else 'no (deferred to the first API call)'}")
    if args.importtime:
        print("costliest imports beyond pulumi's (-X importtime, cumulative):")
        for micros, name in importtime_top(PROGRAM_IMPORT, before="import pulumi", count=12):
            print(f"  {micros / 1000:8.1f} ms  {name}")


if __name__ == "__main__":
    main()
