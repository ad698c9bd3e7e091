"""What `pulumi preview` of a stack of endpoints costs: Check plus Diff per endpoint, through the real server.

A preview calls the provider's Check and Diff for every resource and nothing else; both must
work from the inputs and the state alone, so a preview of any size sends no request to Hugging
Face (target: 0). One endpoint is created for real to obtain genuine state; the other states are
that one's, renamed. Each endpoint is then previewed unchanged, and with one in-place change
(`max_replica`), sequentially (per-call latency) and from 32 threads at once (as the engine does).

Run from the repository root:
    .venv/bin/python bench/preview_cost.py --endpoints 100
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import TOKEN, print_command
from _provider import inputs, provider_server, urn

from pulumi_huggingface_emulator import EmulatorServer
from support import ProviderServer

TEMPLATE = "preview-000"


def renamed(value: Any, name: str) -> Any:
    """A JSON value with the template endpoint's name replaced by another, everywhere."""
    return json.loads(json.dumps(value).replace(TEMPLATE, name))


def preview_one(server: ProviderServer, name: str, state: dict[str, Any], change: dict[str, Any]) -> bool:
    """Check and Diff one endpoint as `pulumi preview` does; return whether the diff found changes."""
    old_inputs = renamed(state["inputs"], name)
    outputs = renamed(state["outputs"], name)
    checked = server.check(urn(name), old_inputs, {**inputs(name), **change}, preview=True)
    diff = server.diff(urn(name), f"{outputs['namespace']}/{name}", outputs, checked.inputs, preview=True)
    return bool(diff.changes)


def timed(run: Callable[[], list[bool]]) -> tuple[float, list[bool]]:
    started = time.perf_counter()
    result = run()
    return (time.perf_counter() - started) * 1000, result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoints", type=int, default=100)
    args = parser.parse_args(argv)
    print_command(sys.argv[1:] if argv is None else argv)

    names = [f"preview-{i:03d}" for i in range(args.endpoints)]
    rows = []
    with EmulatorServer(token=TOKEN, provision_seconds=0.1) as emulator, provider_server(emulator) as server:
        checked = server.check(urn(TEMPLATE), {}, inputs(TEMPLATE))
        created = server.create(urn(TEMPLATE), checked.inputs)
        state = {"inputs": checked.inputs, "outputs": created.outs}
        for label, change in (("unchanged", {}), ("max_replica changed", {"max_replica": 2})):
            emulator.app.reset_request_counts()

            def one(name: str, change: dict[str, Any] = change) -> bool:
                return preview_one(server, name, state, change)

            sequential, changes = timed(lambda: [one(n) for n in names])
            with ThreadPoolExecutor(max_workers=32) as callers:
                parallel, _ = timed(lambda: list(callers.map(one, names)))
            requests = emulator.app.request_counts()["total"]
            rows.append((label, sequential, parallel, requests, sum(changes)))

    print(f"Check + Diff of {args.endpoints} endpoints through the provider server (preview)")
    print(f"{'':22}{'sequential':>12}{'per endpoint':>14}{'32 threads':>12}{'HTTP requests':>15}{'diffs':>7}")
    for label, sequential, parallel, requests, diffs in rows:
        print(
            f"{label:22}{sequential:>10.0f}ms{sequential / args.endpoints:>12.2f}ms{parallel:>10.0f}ms"
            f"{requests:>15}{diffs:>7}"
        )


if __name__ == "__main__":
    main()
