"""How soon a wait sees an endpoint running, and what it costs in GETs, beside huggingface_hub's wait().

Both sides create the same number of endpoints at once from as many threads, against one emulator
with seeded random provisioning times; the emulator is reset (and its draws reseeded) between the
two, so both see the same provisioning times. Lag is the time from the emulator marking an endpoint
running to the wait returning; GETs are what the emulator served.

Our side is the watcher called directly (client + `EndpointWatcher`), the provider's Create through
the real provider server (`python -m pulumi.dynamic` over gRPC, as `pulumi up` drives it), or both.

Run from the repository root:
    .venv/bin/python bench/readiness.py --endpoints 30 --provision-seconds 2..20 --seed 7
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    NAMESPACE,
    TOKEN,
    endpoint_body,
    get_counts,
    print_command,
    summary,
)

from pulumi_huggingface.client import EndpointsClient
from pulumi_huggingface.waiting import watcher_for
from pulumi_huggingface_emulator import EmulatorServer
from pulumi_huggingface_emulator.settings import parse_provision_seconds

DEADLINE_SECONDS = 600.0


def _running(endpoint: dict[str, Any] | None) -> bool:
    return endpoint is not None and endpoint["status"]["state"] == "running"


def run_watcher(server: EmulatorServer, names: Sequence[str]) -> dict[str, float]:
    """Create each endpoint and wait for it with the shared watcher; return when each wait ended."""
    client = EndpointsClient(token=TOKEN, api_url=server.base_url, hub_url=server.hub_url)
    watcher = watcher_for(client, NAMESPACE)

    def one(name: str) -> float:
        client.create_endpoint(NAMESPACE, endpoint_body(name))
        watcher.wait(name, _running, deadline=time.monotonic() + DEADLINE_SECONDS)
        return time.time()

    try:
        return _in_threads(names, one)
    finally:
        client.close()


def run_provider(server: EmulatorServer, names: Sequence[str]) -> dict[str, float]:
    """Check and Create each endpoint through the real provider server; return when each create ended."""
    from _provider import check_and_create, provider_server

    with provider_server(server) as provider:

        def one(name: str) -> float:
            check_and_create(provider, name)
            return time.time()

        return _in_threads(names, one)


def run_hub_wait(server: EmulatorServer, names: Sequence[str]) -> dict[str, float]:
    """Create each endpoint with huggingface_hub and wait() for it; return when each wait ended."""
    from huggingface_hub import HfApi, constants

    constants.INFERENCE_ENDPOINTS_ENDPOINT = server.base_url
    constants.ENDPOINT = server.hub_url
    api = HfApi(endpoint=server.hub_url)

    def one(name: str) -> float:
        body = endpoint_body(name)
        endpoint = api.create_inference_endpoint(
            name,
            repository=body["model"]["repository"],
            framework=body["model"]["framework"],
            task=body["model"]["task"],
            accelerator=body["compute"]["accelerator"],
            instance_size=body["compute"]["instanceSize"],
            instance_type=body["compute"]["instanceType"],
            vendor=body["provider"]["vendor"],
            region=body["provider"]["region"],
            namespace=NAMESPACE,
            token=TOKEN,
        )
        endpoint.wait(timeout=int(DEADLINE_SECONDS))
        return time.time()

    return _in_threads(names, one)


def _in_threads(names: Sequence[str], one: Callable[[str], float]) -> dict[str, float]:
    start = threading.Barrier(len(names))

    def gated(name: str) -> float:
        start.wait()
        return one(name)

    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        futures = {name: pool.submit(gated, name) for name in names}
        return {name: future.result() for name, future in futures.items()}


def measure(
    server: EmulatorServer,
    label: str,
    run: Callable[[EmulatorServer, Sequence[str]], dict[str, float]],
    count: int,
) -> dict[str, Any]:
    server.app.reset()
    names = [f"{label}-{i:03d}" for i in range(count)]
    returned = run(server, names)
    lags = []
    for name in names:
        view = server.app.inspect(NAMESPACE, name)
        assert view is not None and view["becameRunning"], name
        lags.append(returned[name] - view["becameRunning"][0])
    gets = get_counts(server.app.request_counts()["byRoute"])
    return {"lag": summary(lags), "control": gets["control"] / count, "data": gets["data"] / count}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoints", type=int, default=30)
    parser.add_argument("--provision-seconds", default="2..20", help="S or LOW..HIGH (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--via",
        choices=("watcher", "provider", "both"),
        default="both",
        help="our side: the watcher called directly, the provider server's Create, or both (default)",
    )
    parser.add_argument(
        "--list-page-size",
        type=int,
        default=20,
        help="the emulator's page size (default: %(default)s, as the newer spec)",
    )
    args = parser.parse_args(argv)
    print_command(sys.argv[1:] if argv is None else argv)

    with EmulatorServer(
        token=TOKEN,
        seed=args.seed,
        provision_seconds=parse_provision_seconds(args.provision_seconds),
        list_page_size=args.list_page_size,
    ) as server:
        rows = []
        if args.via in ("watcher", "both"):
            rows.append(("EndpointWatcher", measure(server, "watcher", run_watcher, args.endpoints)))
        if args.via in ("provider", "both"):
            rows.append(("provider server Create", measure(server, "provider", run_provider, args.endpoints)))
        hub = measure(server, "hub", run_hub_wait, args.endpoints)

    print(
        f"{args.endpoints} endpoints created at once, provisioning {args.provision_seconds} s "
        f"(seed {args.seed}), list pages of {args.list_page_size}"
    )
    print(f"{'':28}{'lag median':>12}{'p90':>8}{'max':>8}{'control GETs/ep':>17}{'health GETs/ep':>16}")
    for label, row in [*rows, ("huggingface_hub wait()", hub)]:
        lag = row["lag"]
        print(
            f"{label:28}{lag['median']:>11.2f}s{lag['p90']:>7.2f}s{lag['max']:>7.2f}s"
            f"{row['control']:>17.2f}{row['data']:>16.2f}"
        )
    for label, ours in rows:
        all_gets = (ours["control"] + ours["data"]) / (hub["control"] + hub["data"])
        print(
            f"{label} / wait(): lag median ratio {ours['lag']['median'] / hub['lag']['median']:.2f}, "
            f"GETs per endpoint ratio {all_gets:.2f}"
        )


if __name__ == "__main__":
    main()
