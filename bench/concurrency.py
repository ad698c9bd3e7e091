"""Wall time of N endpoints created at once over the wall time of one, through the real provider server.

`pulumi up` creates independent resources in parallel, but the SDK's provider server runs at most
4 calls at once, and each create holds its call while the endpoint provisions: 32 endpoints then
take 8 provisioning times. Each phase sends Check then Create for every endpoint from its own
thread, as the engine does, to one `python -m pulumi.dynamic` process configured against the
emulator with a fixed provisioning time. The server's peak resident memory (VmHWM) is read after
each phase.

Run from the repository root:
    .venv/bin/python bench/concurrency.py --endpoints 32 --provision-seconds 5
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import TOKEN, print_command
from _provider import check_and_create, peak_rss_kib, provider_server

from pulumi_huggingface_emulator import EmulatorServer
from support import ProviderServer

STOCK_WORKERS = 4


def create_all(server: ProviderServer, names: Sequence[str]) -> float:
    """Check and create every endpoint at once, one caller thread each; return the wall time."""
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(names)) as callers:
        list(callers.map(lambda name: check_and_create(server, name), names))
    return time.monotonic() - started


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoints", type=int, default=32)
    parser.add_argument("--provision-seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    print_command(sys.argv[1:] if argv is None else argv)

    with (
        EmulatorServer(token=TOKEN, provision_seconds=args.provision_seconds) as emulator,
        provider_server(emulator) as server,
    ):
        idle_rss = peak_rss_kib(server.pid)
        one = create_all(server, ["single-000"])
        one_rss = peak_rss_kib(server.pid)
        many = create_all(server, [f"many-{i:03d}" for i in range(args.endpoints)])
        many_rss = peak_rss_kib(server.pid)
        creates = emulator.app.request_counts()["byRoute"].get("POST /v2/endpoint/{namespace}", 0)
        warnings = [line for line in server.stderr_text().splitlines() if "worker" in line.lower()]

    stock = -(-args.endpoints // STOCK_WORKERS)
    print(f"provisioning {args.provision_seconds:g} s per endpoint; {creates} creates served by the emulator")
    print(f"  1 endpoint                 {one:7.2f} s")
    print(f"  {args.endpoints} endpoints at once     {many:7.2f} s")
    print(f"ratio {args.endpoints} / 1: {many / one:.2f} (target <= 1.3; the SDK's 4 workers: ~{stock})")
    print(
        f"provider server peak RSS (VmHWM): {idle_rss / 1024:.1f} MiB configured, "
        f"{one_rss / 1024:.1f} MiB after 1, {many_rss / 1024:.1f} MiB with {args.endpoints} in flight"
    )
    for line in warnings:
        print(f"server: {line}")


if __name__ == "__main__":
    main()
