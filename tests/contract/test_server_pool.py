"""Many slow creates overlap in the real provider server once `widen_server_pool` has run.

The SDK's server runs at most 4 RPCs at once; these tests send concurrent creates whose provider
sleeps, and measure the overlap from start/end times recorded inside the server.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import toy_providers

from conftest import provider_input, start_toy_server
from pulumi_huggingface import _server
from pulumi_huggingface._server import PoolState, widen_server_pool
from support import ProviderServer, make_urn

pytestmark = pytest.mark.contract


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """The largest number of intervals open at one instant."""
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    open_now = peak = 0
    for _, step in edges:
        open_now += step
        peak = max(peak, open_now)
    return peak


def create_concurrently(server: ProviderServer, provider: object, count: int, sleep: float) -> float:
    """Send `count` creates at once, as the engine does for independent resources; return the wall time."""
    bag = provider_input(provider)

    def create(i: int) -> str:
        urn = make_urn("pulumi-python:dynamic:Resource", f"slow-{i}")
        return server.create(urn, {**bag, "name": f"slow-{i}", "sleep": sleep}).id

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=count) as callers:
        ids = list(callers.map(create, range(count)))
    assert sorted(ids) == sorted(f"slow-{i}" for i in range(count))
    return time.monotonic() - started


def finished(server: ProviderServer) -> list[tuple[float, float]]:
    return [(e["started"], e["ended"]) for e in toy_providers.events(server.stderr_text(), "create_finished")]


def test_sixteen_creates_overlap_once_configure_widens_the_pool() -> None:
    """With the pool widened from configure(), 16 creates of 1.5 s run together, not 4 at a time."""
    with start_toy_server() as server:
        server.configure({})
        wall = create_concurrently(server, toy_providers.WideSlowProvider(), count=16, sleep=1.5)

        assert max_overlap(finished(server)) >= 16
        assert wall < 2 * 1.5  # four at a time would take 4 x 1.5 s


def test_the_stock_server_runs_four_calls_at_a_time() -> None:
    """Without widening, the same load queues behind 4 workers: the limit the widening removes."""
    with start_toy_server() as server:
        server.configure({})
        wall = create_concurrently(server, toy_providers.SlowProvider(), count=8, sleep=0.75)

        assert max_overlap(finished(server)) == 4
        assert wall >= 2 * 0.75


def test_the_installed_sdk_and_grpcio_have_the_internals_widening_relies_on() -> None:
    """Fails when a new pulumi or grpcio changes the server's pool: the fallback must not go unnoticed."""
    with start_toy_server() as server:
        server.configure({})
        server.create(
            make_urn("pulumi-python:dynamic:Resource", "one"),
            {**provider_input(toy_providers.WideSlowProvider()), "name": "one", "sleep": 0},
        )

        (widened,) = toy_providers.events(server.stderr_text(), "widen")
        assert widened == {
            "method": "widen",
            "status": "widened",
            "max_workers": _server.DEFAULT_MAX_WORKERS,
            "reason": "",
        }
        assert "could not widen" not in server.stderr_text()


def test_outside_a_provider_server_nothing_changes_and_one_warning_says_why(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a plain process (a unit test, a program) the pool is left alone and the caller is told so."""
    monkeypatch.setattr(_server, "_outcome", None)
    first = widen_server_pool()
    second = widen_server_pool()

    assert first.state is PoolState.STOCK
    assert first.max_workers == 4
    assert "not running inside the Pulumi SDK's dynamic provider server" in first.reason
    assert second == first
    assert capsys.readouterr().err.count("could not widen the dynamic provider server's thread pool") == 1


def test_a_limit_below_the_stock_pool_is_refused() -> None:
    """Narrowing the pool is never what a caller wants."""
    with pytest.raises(ValueError, match="at least 4"):
        widen_server_pool(2)
