"""Shared poller or one poll per wait: `pulumi up` through the real Pulumi CLI, both ways in one run.

*shared*: the provider as shipped. Every wait of the plugin process on a namespace is served by
one poller (`pulumi_huggingface.waiting`), which reads all of them with one list request per
tick. *per-wait*: each wait sends its own ``GET /v2/endpoint/{ns}/{name}`` every ``poll_interval``
from its own thread (`bench/per_wait/sitecustomize.py`, put on the plugin's PYTHONPATH; the
settle rules are the provider's own).

For each strategy, on fresh stacks against one emulator: `pulumi up --yes` of 1 endpoint and of
``--count`` endpoints at ``--parallel`` as wide as the stack. The rounds alternate the strategies,
so that a change of load on the machine falls on both. Printed: wall time, its ratio over one
endpoint, the control-plane GETs sent during the `up` (list pages and single GETs), then per-wait
over shared for each. The emulator never rate-limits (no 429 unless a fault is injected), so the
requests are the cost to compare: the real API's limits are not documented.

Run from the repository root:
    .venv/bin/python bench/polling.py --count 32 --provision-seconds 10 --poll-interval 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import GET_ROUTE, LIST_ROUTE, print_command
from cli_scale import Stack, find_pulumi, requests

from pulumi_huggingface_emulator import EmulatorServer

PER_WAIT = Path(__file__).resolve().parent / "per_wait"
STRATEGIES = ("shared", "per-wait")


@dataclass(frozen=True)
class Run:
    strategy: str
    count: int
    seconds: float
    lists: int
    gets: int


def measure(pulumi: Path, emulator: EmulatorServer, strategy: str, count: int, poll: str) -> Run:
    with tempfile.TemporaryDirectory(prefix="bench-polling-") as root:
        stack = Stack(pulumi, Path(root), emulator, count, poll)
        if strategy == "per-wait":
            stack.env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(PER_WAIT), os.environ.get("PYTHONPATH")])
            )
        emulator.app.reset_request_counts()
        seconds = stack.run("up", "--yes", "--non-interactive", "--parallel", str(count))
        counted = requests(emulator)
        stack.run("destroy", "--yes", "--non-interactive", "--parallel", str(count))
    return Run(
        strategy,
        count,
        seconds,
        counted.get(LIST_ROUTE, 0),
        counted.get(GET_ROUTE, 0),
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=32)
    parser.add_argument("--provision-seconds", type=float, default=10.0)
    parser.add_argument("--poll-interval", default="1", help="huggingface:pollInterval, seconds")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each (strategy, size); medians shown")
    args = parser.parse_args(argv)
    print_command(sys.argv[1:] if argv is None else argv)
    pulumi = find_pulumi()
    version = subprocess.run([str(pulumi), "version"], capture_output=True, text=True).stdout.strip()

    runs: list[Run] = []
    with EmulatorServer(token="hf_bench_token", provision_seconds=args.provision_seconds) as emulator:
        for round_ in range(args.rounds):
            order = STRATEGIES if round_ % 2 == 0 else STRATEGIES[::-1]
            for count in (1, args.count):
                for strategy in order:
                    runs.append(measure(pulumi, emulator, strategy, count, args.poll_interval))

    def median(strategy: str, count: int, attribute: str) -> float:
        return statistics.median(
            getattr(run, attribute) for run in runs if run.strategy == strategy and run.count == count
        )

    print(
        f"pulumi {version}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; provisioning "
        f"{args.provision_seconds:g} s, poll interval {args.poll_interval} s, "
        f"--parallel as wide as the stack, median of {args.rounds} round(s)"
    )
    print("pulumi up --yes            wall  ratio over 1  list GETs  single GETs  GETs/endpoint")
    for count in (1, args.count):
        for strategy in STRATEGIES:
            seconds = median(strategy, count, "seconds")
            lists, gets = median(strategy, count, "lists"), median(strategy, count, "gets")
            ratio = seconds / median(strategy, 1, "seconds")
            print(
                f"  {strategy:8} {count:4d} ep  {seconds:6.1f}s  {ratio:12.2f}"
                f"  {lists:9.0f}  {gets:11.0f}  {(lists + gets) / count:13.1f}"
            )
    for count in (1, args.count):
        shared_gets = median("shared", count, "lists") + median("shared", count, "gets")
        per_wait_gets = median("per-wait", count, "lists") + median("per-wait", count, "gets")
        print(
            f"per-wait / shared, {count} endpoint{'s' if count > 1 else ''}: wall "
            f"{median('per-wait', count, 'seconds') / median('shared', count, 'seconds'):.2f}, "
            f"GETs {per_wait_gets / max(shared_gets, 1):.2f}"
        )


if __name__ == "__main__":
    main()
