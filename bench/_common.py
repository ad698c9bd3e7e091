"""Shared pieces of the benchmark scripts: the command line they print, the emulator's counters."""

from __future__ import annotations

import shlex
import statistics
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# The provider-server driver the benchmarks call over gRPC is test code, kept in tests/support.
if str(REPO / "tests") not in sys.path:
    sys.path.insert(0, str(REPO / "tests"))
TOKEN = "hf_bench_token"
NAMESPACE = "emulator-user"

# Control-plane reads, and the data-plane health route huggingface_hub's wait() probes once running.
LIST_ROUTE = "GET /v2/endpoint/{namespace}"
GET_ROUTE = "GET /v2/endpoint/{namespace}/{name}"


def print_command(argv: Sequence[str]) -> None:
    """Print the command that reproduces this run, from the repository root."""
    script = Path(sys.argv[0]).resolve()
    try:
        shown = str(script.relative_to(REPO))
    except ValueError:
        shown = str(script)
    print("$ " + shlex.join([".venv/bin/python", shown, *argv]))


def get_counts(by_route: Mapping[str, int]) -> dict[str, int]:
    """Split the emulator's GET counts into control-plane reads and data-plane reads."""
    control = by_route.get(LIST_ROUTE, 0) + by_route.get(GET_ROUTE, 0)
    data = sum(n for route, n in by_route.items() if route.startswith("GET /endpoints/"))
    return {"control": control, "data": data}


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median, 90th percentile and maximum."""
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {"median": statistics.median(ordered), "p90": p90, "max": ordered[-1]}


def endpoint_body(name: str) -> dict[str, Any]:
    """A small CPU endpoint in the API's JSON shape."""
    return {
        "name": name,
        "type": "authenticated",
        "provider": {"vendor": "aws", "region": "us-east-1"},
        "compute": {
            "accelerator": "cpu",
            "instanceType": "intel-icl",
            "instanceSize": "x2",
            "scaling": {"minReplica": 1, "maxReplica": 1, "scaleToZeroTimeout": None},
        },
        "model": {
            "repository": "openai-community/gpt2",
            "framework": "pytorch",
            "task": "text-generation",
            "revision": None,
            "image": {"huggingface": {}},
        },
    }
