"""The poller of a namespace: who is polled, when, how often, and what each waiter gets back.

Time is fake: the poller's sleep advances a fake clock at once, so every test runs in milliseconds
and every figure below is exact. Requests are counted by a fake client that keeps the same
per-thread counters as `EndpointsClient` (``requests_by_this_thread``).
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from provider_fakes import endpoint_body

from pulumi_huggingface.client import EndpointsClient
from pulumi_huggingface.errors import (
    AuthenticationError,
    ConfigurationError,
    DeadlineExceededError,
    EndpointFailedError,
    NotFoundError,
    RateLimitedError,
    TransportError,
    UnexpectedResponseError,
)
from pulumi_huggingface.waiting import (
    MAX_MALFORMED_POLLS,
    MIN_INTERVAL_FLOOR,
    EndpointWatcher,
    _Poll,
    min_interval_for,
    watcher_for,
)
from pulumi_huggingface_emulator import EmulatorApp

NS = "acme"
LIST = ("GET", "/endpoint/{namespace}")
GET = ("GET", "/endpoint/{namespace}/{name}")
# Hang guard for threads in these tests; never reached when the code works.
GUARD = 10.0


class FakeTime:
    """A clock the poller's sleep advances; `hold` parks the poller until every waiter has registered."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._released = threading.Event()
        self._released.set()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        if not self._released.is_set():
            # Parked: return without advancing, so the poller plans again with everyone registered.
            assert self._released.wait(GUARD)
            return
        self.sleeps.append(seconds)
        self.now += seconds

    @contextmanager
    def hold(self) -> Iterator[None]:
        self._released.clear()
        try:
            yield
        finally:
            self._released.set()


def endpoint(name: str, state: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "status": {"state": state, "message": f"{name} is {state}"}, **extra}


class FakeClient:
    """Endpoints whose state is a function of fake time, served one page per `page_size` items."""

    def __init__(self, time: FakeTime, *, page_size: int = 20, poll_interval: float = 5.0) -> None:
        self.time = time
        self.page_size = page_size
        self.poll_interval = poll_interval
        self.schedules: dict[str, Callable[[float], str | None]] = {}
        self.requests: Counter[tuple[str, str]] = Counter()
        self.calls: list[tuple[float, str, str | None]] = []
        self.failures: list[Exception] = []
        self.unlisted: set[str] = set()
        self.get_gate: threading.Event | None = None
        # The deadline each poll's requests were bounded by (`EndpointsClient.deadline`).
        self.deadlines: list[float] = []

    def requests_by_this_thread(self) -> dict[tuple[str, str], int]:
        # Only the poller thread sends requests through this fake while the watcher measures them.
        return dict(self.requests)

    @contextmanager
    def deadline(self, at: float) -> Iterator[None]:
        self.deadlines.append(at)
        yield

    def add(self, name: str, *, ready_at: float = math.inf, gone_at: float = math.inf) -> None:
        def state(now: float) -> str | None:
            if now >= gone_at:
                return None
            return "running" if now >= ready_at else "initializing"

        self.schedules[name] = state

    def add_states(self, name: str, states: list[tuple[float, str]]) -> None:
        def state(now: float) -> str | None:
            return [s for start, s in states if now >= start][-1]

        self.schedules[name] = state

    def fill(self, count: int) -> None:
        """Add endpoints nobody waits on, which lengthen the list."""
        for i in range(count):
            self.add(f"other-{i}", ready_at=0.0)

    def _fail(self) -> None:
        if self.failures:
            raise self.failures.pop(0)

    def list_endpoints(self, namespace: str) -> list[dict[str, Any]]:
        assert namespace == NS
        now = self.time.now
        items = []
        for name, state in self.schedules.items():
            current = state(now)
            if current is not None and name not in self.unlisted:
                items.append(endpoint(name, current, seen_at=now))
        pages = max(1, math.ceil(len(items) / self.page_size))
        self.requests[LIST] += pages
        self.calls.append((now, "list", None))
        self._fail()
        return items

    def get_endpoint(self, namespace: str, name: str) -> dict[str, Any]:
        assert namespace == NS
        now = self.time.now
        self.requests[GET] += 1
        self.calls.append((now, "get", name))
        if self.get_gate is not None:
            assert self.get_gate.wait(GUARD)
        self._fail()
        if name.startswith("."):
            raise ConfigurationError(
                f"The endpoint name must be a non-empty string other than '.', not {name!r}."
            )
        current = self.schedules[name](now) if name in self.schedules else None
        if current is None:
            raise NotFoundError(status_code=404, method="GET", path=f"/endpoint/{NS}/{name}")
        return endpoint(name, current, seen_at=now)

    @property
    def total(self) -> int:
        return sum(self.requests.values())


def running(ep: dict[str, Any] | None) -> bool:
    return ep is not None and ep["status"]["state"] == "running"


def absent(ep: dict[str, Any] | None) -> bool:
    return ep is None


def until(predicate: Callable[[], bool]) -> None:
    """Wait for other threads to reach a point (registration); fails only if they never do."""
    stop = time.monotonic() + GUARD
    while not predicate():
        assert time.monotonic() < stop, "threads never reached the expected point"
        time.sleep(0.001)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def client(fake_time: FakeTime) -> FakeClient:
    return FakeClient(fake_time)


@pytest.fixture
def watcher(client: FakeClient, fake_time: FakeTime) -> EndpointWatcher:
    return EndpointWatcher(client, NS, clock=fake_time.clock, sleep=fake_time.sleep)


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=64) as executor:
        yield executor


def start_all(
    pool: ThreadPoolExecutor,
    watcher: EndpointWatcher,
    fake_time: FakeTime,
    waits: list[tuple[str, Callable[[dict[str, Any] | None], bool], float]],
) -> list[Future[dict[str, Any] | None]]:
    """Start several waits and let the poller go only once all of them are registered."""
    with fake_time.hold():
        futures = [pool.submit(watcher.wait, name, done, deadline=deadline) for name, done, deadline in waits]
        until(lambda: watcher.waiting == len(waits))
    return futures


def finish_time(future: Future[dict[str, Any] | None]) -> float:
    result = future.result(GUARD)
    assert result is not None
    return float(result["seen_at"])


# -- one waiter ------------------------------------------------------------------------------------


def test_one_waiter_is_polled_with_a_get_every_budget_interval_like_hub_wait(
    watcher: EndpointWatcher, client: FakeClient, fake_time: FakeTime
) -> None:
    """Alone, a waiter costs what huggingface_hub's wait() costs: one GET per 5 s, the first at 5 s."""
    client.add("bert", ready_at=12.0)

    result = watcher.wait("bert", running, deadline=600.0)

    assert result is not None and result["status"]["state"] == "running"
    assert client.calls == [(5.0, "get", "bert"), (10.0, "get", "bert"), (15.0, "get", "bert")]
    assert fake_time.sleeps == [5.0, 5.0, 5.0]


def test_wait_returns_what_done_accepted_including_absence(
    watcher: EndpointWatcher, client: FakeClient
) -> None:
    """A delete waits for the endpoint to be gone: a 404 is shown to done() as None."""
    client.add("bert", ready_at=0.0, gone_at=7.0)

    assert watcher.wait("bert", absent, deadline=600.0) is None
    assert client.calls[-1] == (10.0, "get", "bert")


def test_exception_from_done_ends_the_wait_and_reaches_the_caller(
    watcher: EndpointWatcher, client: FakeClient
) -> None:
    client.add_states("bert", [(0.0, "initializing"), (8.0, "failed")])

    def done(ep: dict[str, Any] | None) -> bool:
        assert ep is not None
        if ep["status"]["state"] == "failed":
            raise EndpointFailedError(namespace=NS, name="bert", state="failed", server_message="OOM")
        return running(ep)

    with pytest.raises(EndpointFailedError, match="OOM"):
        watcher.wait("bert", done, deadline=600.0)
    assert len(client.calls) == 2


def test_deadline_raises_with_the_last_state_seen_and_how_long_it_waited(
    watcher: EndpointWatcher, client: FakeClient, fake_time: FakeTime
) -> None:
    client.add("bert")

    with pytest.raises(DeadlineExceededError) as info:
        watcher.wait("bert", running, deadline=12.0)

    assert info.value.last_state == "initializing"
    assert info.value.waited_seconds == 12.0
    assert fake_time.now == 12.0
    assert [t for t, _, _ in client.calls] == [5.0, 10.0]


def test_deadline_already_past_raises_without_a_request(
    watcher: EndpointWatcher, client: FakeClient, fake_time: FakeTime
) -> None:
    fake_time.now = 50.0
    client.add("bert", ready_at=0.0)

    with pytest.raises(DeadlineExceededError):
        watcher.wait("bert", running, deadline=50.0)
    assert client.calls == []


def test_poller_thread_stops_when_nobody_waits_and_restarts_for_the_next_wait(
    watcher: EndpointWatcher, client: FakeClient
) -> None:
    client.add("bert", ready_at=0.0)

    def pollers() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == f"hf-endpoint-watcher-{NS}"]

    for _ in range(2):
        watcher.wait("bert", running, deadline=600.0)
        for thread in pollers():
            thread.join(GUARD)
            assert thread.daemon
        assert pollers() == []
    assert len(client.calls) == 2


# -- many waiters ----------------------------------------------------------------------------------


def test_many_waiters_share_one_list_per_poll_at_the_minimum_interval(
    watcher: EndpointWatcher, client: FakeClient, fake_time: FakeTime, pool: ThreadPoolExecutor
) -> None:
    """30 waiters earn 6 requests/s; a two-page list costs 2, so the 0.5 s floor sets the pace.

    Only when two endpoints are left do two GETs cost no more than the list."""
    for i in range(30):
        client.add(f"ep-{i}", ready_at=2.0 + i * 0.6)

    futures = start_all(pool, watcher, fake_time, [(f"ep-{i}", running, 600.0) for i in range(30)])

    finished = [finish_time(f) for f in futures]
    third_last = sorted(finished)[-3]
    assert all(kind == "list" for t, kind, _ in client.calls if t <= third_last)
    assert all(kind == "get" for t, kind, _ in client.calls if t > third_last)
    poll_times = [t for t, _, _ in client.calls]
    # The first as soon as one request is earned (1/6 s), then the floor.
    assert poll_times[:3] == pytest.approx([1 / 6, 1 / 6 + 0.5, 1 / 6 + 1.0])
    # While 20 or more wait they earn 4 requests/s, what two pages every 0.5 s cost.
    for i, at in enumerate(finished[:10]):
        assert 0.0 <= at - (2.0 + i * 0.6) < 0.5


def test_poll_interval_follows_the_budget_when_the_list_is_long(
    client: FakeClient, fake_time: FakeTime, pool: ThreadPoolExecutor
) -> None:
    """4 waiters earn 0.8 requests/s; a 3-page list then costs 3 and repeats every 3.75 s."""
    client.page_size = 10
    client.fill(26)
    for i in range(4):
        client.add(f"ep-{i}")
    watcher = EndpointWatcher(client, NS, clock=fake_time.clock, sleep=fake_time.sleep)

    futures = start_all(pool, watcher, fake_time, [(f"ep-{i}", running, 20.0) for i in range(4)])

    for future in futures:
        with pytest.raises(DeadlineExceededError):
            future.result(GUARD)
    lists = [t for t, kind, _ in client.calls if kind == "list"]
    # The first list was thought to cost 1 page (1.25 s of credit) and cost 3: the next one waits
    # until the debt is paid and 3 more requests are earned (6.25 s), then 3 per 3.75 s.
    assert lists == [1.25, 7.5, 11.25, 15.0, 18.75]
    assert client.total <= 4 * 20.0 / 5.0


def test_few_waiters_on_a_long_list_are_polled_with_gets(
    client: FakeClient, fake_time: FakeTime, pool: ThreadPoolExecutor
) -> None:
    """Once a list is known to cost 3 requests, 2 waiters are cheaper to poll with 2 GETs."""
    client.page_size = 10
    client.fill(28)
    client.add("a", ready_at=30.0)
    client.add("b", ready_at=30.0)
    watcher = EndpointWatcher(client, NS, clock=fake_time.clock, sleep=fake_time.sleep)

    futures = start_all(pool, watcher, fake_time, [("a", running, 600.0), ("b", running, 600.0)])
    for future in futures:
        future.result(GUARD)

    kinds = [kind for _, kind, _ in client.calls]
    assert kinds[0] == "list"
    assert set(kinds[1:]) == {"get"}


def test_requests_stay_within_what_hub_wait_would_spend(
    client: FakeClient, fake_time: FakeTime, pool: ThreadPoolExecutor
) -> None:
    """Seeded provisioning times from 60 to 480 s: at most one request per waiter per 5 s of waiting,
    and readiness seen within the 0.5 s floor while many wait, within 5 s for the last ones.

    huggingface_hub's wait() sends floor(T / 5) GETs for a wait of T seconds, then one health GET.
    The watcher earns T / 5 and may overdraw by what its last poll cost beyond its estimate (here
    the first list: two pages where one was expected)."""
    rng = random.Random(5)
    ready = {f"ep-{i}": rng.uniform(60.0, 480.0) for i in range(32)}
    for name, at in ready.items():
        client.add(name, ready_at=at)
    watcher = EndpointWatcher(client, NS, clock=fake_time.clock, sleep=fake_time.sleep)

    futures = start_all(pool, watcher, fake_time, [(name, running, 3600.0) for name in ready])
    finished = {name: finish_time(f) for name, f in zip(ready, futures, strict=True)}

    assert client.total <= sum(at / 5.0 for at in finished.values()) + 1
    assert client.total <= sum(math.floor(at / 5.0) + 1 for at in finished.values())
    lags = sorted(finished[name] - ready[name] for name in ready)
    assert statistics.median(lags) < 0.5
    assert max(lags) < 5.0
    # huggingface_hub's wait() sees readiness at the next multiple of 5 s: 2.5 s late on average.
    hub_lags = [math.ceil(at / 5.0) * 5.0 - at for at in ready.values()]
    assert statistics.median(lags) < statistics.median(hub_lags)


def test_a_poll_in_flight_when_a_waiter_registers_is_not_shown_to_it(
    watcher: EndpointWatcher, client: FakeClient, fake_time: FakeTime, pool: ThreadPoolExecutor
) -> None:
    """An update's wait must not accept a 'running' fetched before its PUT."""
    client.add("bert", ready_at=0.0)
    client.get_gate = threading.Event()
    first = pool.submit(watcher.wait, "bert", running, deadline=600.0)
    until(lambda: len(client.calls) == 1)

    second = pool.submit(watcher.wait, "bert", running, deadline=600.0)
    until(lambda: watcher.waiting == 2)
    client.get_gate.set()

    assert finish_time(first) == 5.0
    assert finish_time(second) > 5.0
    assert len(client.calls) == 2


def test_unlisted_endpoint_is_confirmed_by_a_get_before_it_counts_as_absent(
    watcher: EndpointWatcher, client: FakeClient, fake_time: FakeTime, pool: ThreadPoolExecutor
) -> None:
    """A listing that lags a create must not make the new endpoint look deleted."""
    client.add("old", ready_at=0.0, gone_at=1.0)
    client.add("new", ready_at=0.0)
    client.unlisted.add("new")
    seen: dict[str, dict[str, Any] | None] = {}

    def record(name: str) -> Callable[[dict[str, Any] | None], bool]:
        def done(ep: dict[str, Any] | None) -> bool:
            seen[name] = ep
            return True

        return done

    futures = start_all(
        pool, watcher, fake_time, [("old", record("old"), 600.0), ("new", record("new"), 600.0)]
    )
    for future in futures:
        future.result(GUARD)

    assert seen["old"] is None
    assert seen["new"] is not None and seen["new"]["status"]["state"] == "running"
    assert [kind for _, kind, _ in client.calls] == ["list", "get", "get"]


# -- failures --------------------------------------------------------------------------------------


def test_rate_limit_pauses_polling_for_retry_after(watcher: EndpointWatcher, client: FakeClient) -> None:
    client.add("bert", ready_at=0.0)
    client.failures.append(
        RateLimitedError(status_code=429, method="GET", path=f"/endpoint/{NS}/bert", retry_after=42.0)
    )

    watcher.wait("bert", running, deadline=600.0)

    assert [t for t, _, _ in client.calls] == [5.0, 47.0]


def test_transport_errors_back_off_exponentially_then_polling_resumes(
    watcher: EndpointWatcher, client: FakeClient
) -> None:
    client.add("bert", ready_at=0.0)
    for _ in range(3):
        client.failures.append(
            TransportError("ConnectError", method="GET", path="/x", request_may_have_reached_server=False)
        )

    watcher.wait("bert", running, deadline=600.0)

    assert [t for t, _, _ in client.calls] == [5.0, 10.0, 20.0, 40.0]


def test_deadline_during_an_outage_names_the_last_error_as_its_cause(
    watcher: EndpointWatcher, client: FakeClient
) -> None:
    client.add("bert", ready_at=0.0)
    outage = TransportError("ConnectError", method="GET", path="/x", request_may_have_reached_server=False)
    client.failures.extend([outage] * 10)

    with pytest.raises(DeadlineExceededError) as info:
        watcher.wait("bert", running, deadline=30.0)
    assert info.value.__cause__ is outage
    assert info.value.last_state is None


def test_an_error_polling_cannot_fix_ends_every_wait_at_once(
    watcher: EndpointWatcher, client: FakeClient, fake_time: FakeTime, pool: ThreadPoolExecutor
) -> None:
    for name in ("a", "b", "c"):
        client.add(name)
    client.failures.append(AuthenticationError(status_code=401, method="GET", path=f"/endpoint/{NS}"))

    futures = start_all(pool, watcher, fake_time, [(name, running, 600.0) for name in ("a", "b", "c")])

    errors = []
    for future in futures:
        with pytest.raises(AuthenticationError) as info:
            future.result(GUARD)
        errors.append(info.value)
    assert len({id(e) for e in errors}) == 3
    assert len(client.calls) == 1


def malformed() -> UnexpectedResponseError:
    return UnexpectedResponseError(
        status_code=200, method="GET", path=f"/endpoint/{NS}/bert", problem="malformed JSON"
    )


def test_a_garbled_answer_or_two_pause_polling_and_the_wait_goes_on(
    watcher: EndpointWatcher, client: FakeClient
) -> None:
    """A proxy's error page now and then is not worth abandoning a deployment over."""
    client.add("bert", ready_at=0.0)
    client.failures.extend([malformed() for _ in range(MAX_MALFORMED_POLLS - 1)])

    result = watcher.wait("bert", running, deadline=600.0)

    assert result is not None and result["status"]["state"] == "running"
    assert len(client.calls) == MAX_MALFORMED_POLLS


def test_garbled_answers_polls_in_a_row_end_the_wait_with_that_error(
    watcher: EndpointWatcher, client: FakeClient
) -> None:
    """Several in a row mean something else than the API answers: say so rather than wait for the deadline."""
    client.add("bert", ready_at=0.0)
    client.failures.extend([malformed() for _ in range(MAX_MALFORMED_POLLS)])

    with pytest.raises(UnexpectedResponseError, match="malformed JSON"):
        watcher.wait("bert", running, deadline=600.0)
    assert len(client.calls) == MAX_MALFORMED_POLLS


def test_an_error_about_one_endpoint_ends_only_its_wait(
    watcher: EndpointWatcher, client: FakeClient, fake_time: FakeTime, pool: ThreadPoolExecutor
) -> None:
    client.add("bert", ready_at=12.0)
    futures = start_all(pool, watcher, fake_time, [(".", running, 600.0), ("bert", running, 600.0)])

    with pytest.raises(ConfigurationError):
        futures[0].result(GUARD)
    assert finish_time(futures[1]) >= 12.0


# -- the registry ----------------------------------------------------------------------------------


def test_watcher_for_shares_one_watcher_per_client_and_namespace(client: FakeClient) -> None:
    other = FakeClient(client.time)
    found: list[EndpointWatcher] = []

    def look_up() -> None:
        found.append(watcher_for(client, NS))

    threads = [threading.Thread(target=look_up) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(GUARD)

    assert len({id(w) for w in found}) == 1
    assert watcher_for(client, "other") is not found[0]
    assert watcher_for(other, NS) is not found[0]


def test_watcher_for_gives_waits_on_another_clock_their_own_watcher_on_that_clock(
    client: FakeClient, fake_time: FakeTime
) -> None:
    """A wait's deadline is on its own clock, so its watcher must be too (tests pass fake clocks)."""
    real = watcher_for(client, NS)
    fake = watcher_for(client, NS, clock=fake_time.clock, sleep=fake_time.sleep)

    assert fake is not real
    assert watcher_for(client, NS, clock=fake_time.clock, sleep=fake_time.sleep) is fake
    assert watcher_for(client, NS, clock=time.monotonic, sleep=time.sleep) is real
    client.add("bert", ready_at=7.0)
    assert fake.wait("bert", running, deadline=600.0) is not None
    assert fake_time.now == 10.0


def test_intervals_must_be_positive(client: FakeClient) -> None:
    with pytest.raises(ValueError, match="positive"):
        EndpointWatcher(client, NS, min_interval=0.0)


# -- the cadence -----------------------------------------------------------------------------------


def test_a_short_budget_polls_one_waiter_that_often(client: FakeClient, fake_time: FakeTime) -> None:
    """Against an emulator a 0.2 s cadence sees readiness within 0.2 s, still one GET per interval."""
    client.add("bert", ready_at=1.0)
    watcher = EndpointWatcher(client, NS, clock=fake_time.clock, sleep=fake_time.sleep, budget_interval=0.2)

    watcher.wait("bert", running, deadline=600.0)

    assert [kind for _, kind, _ in client.calls] == ["get"] * 5
    assert [t for t, _, _ in client.calls] == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])


def test_the_minimum_interval_is_a_tenth_of_the_budget_but_never_below_the_floor() -> None:
    assert min_interval_for(5.0) == 0.5
    assert min_interval_for(60.0) == 6.0
    assert min_interval_for(1.0) == pytest.approx(0.1)
    assert min_interval_for(0.2) == MIN_INTERVAL_FLOOR == 0.05


def test_many_waiters_on_a_short_budget_never_poll_faster_than_the_floor(
    client: FakeClient, fake_time: FakeTime, pool: ThreadPoolExecutor
) -> None:
    """30 waiters at 0.1 s earn 300 requests/s; the poller still waits 0.05 s between lists."""
    for i in range(30):
        client.add(f"ep-{i}", ready_at=1.0 + i * 0.1)
    watcher = EndpointWatcher(client, NS, clock=fake_time.clock, sleep=fake_time.sleep, budget_interval=0.1)

    futures = start_all(pool, watcher, fake_time, [(f"ep-{i}", running, 600.0) for i in range(30)])

    finished = [finish_time(f) for f in futures]
    # The requests of one poll (two GETs once two waiters are left) share its time.
    poll_times = sorted({t for t, _, _ in client.calls})
    gaps = [later - earlier for earlier, later in itertools.pairwise(poll_times)]
    assert min(gaps) >= MIN_INTERVAL_FLOOR - 1e-9
    for i, at in enumerate(finished):
        assert 0.0 <= at - (1.0 + i * 0.1) < 0.1 + 1e-9
    # Within what 30 wait() loops polling every 0.1 s would have sent.
    assert client.total <= sum(finished) / 0.1 + 2


def test_a_rate_limit_without_retry_after_pauses_a_short_budget_as_long_as_hub_wait(
    client: FakeClient, fake_time: FakeTime
) -> None:
    """A 429 says "slower"; a cadence meant for an emulator does not make the poller come back sooner
    than wait()'s 5 s, while an outage is retried at the cadence's own pace."""
    client.add("bert", ready_at=0.0)
    client.failures.append(RateLimitedError(status_code=429, method="GET", path=f"/endpoint/{NS}/bert"))
    watcher = EndpointWatcher(client, NS, clock=fake_time.clock, sleep=fake_time.sleep, budget_interval=0.2)

    watcher.wait("bert", running, deadline=600.0)

    assert [t for t, _, _ in client.calls] == pytest.approx([0.2, 5.2])


def test_a_retry_after_is_honoured_whatever_the_budget(client: FakeClient, fake_time: FakeTime) -> None:
    client.add("bert", ready_at=0.0)
    client.failures.append(
        RateLimitedError(status_code=429, method="GET", path=f"/endpoint/{NS}/bert", retry_after=42.0)
    )
    watcher = EndpointWatcher(client, NS, clock=fake_time.clock, sleep=fake_time.sleep, budget_interval=0.2)

    watcher.wait("bert", running, deadline=600.0)

    assert [t for t, _, _ in client.calls] == pytest.approx([0.2, 42.2])


def test_an_outage_on_a_short_budget_backs_off_from_that_budget(
    client: FakeClient, fake_time: FakeTime
) -> None:
    client.add("bert", ready_at=0.0)
    for _ in range(2):
        client.failures.append(
            TransportError("ConnectError", method="GET", path="/x", request_may_have_reached_server=False)
        )
    watcher = EndpointWatcher(client, NS, clock=fake_time.clock, sleep=fake_time.sleep, budget_interval=0.2)

    watcher.wait("bert", running, deadline=600.0)

    assert [t for t, _, _ in client.calls] == pytest.approx([0.2, 0.4, 0.8])


def test_watcher_for_polls_at_the_clients_poll_interval(fake_time: FakeTime) -> None:
    """The provider's setting reaches the shared watcher through the client it built from it."""
    fast = FakeClient(fake_time, poll_interval=0.5)
    fast.add("bert", ready_at=1.2)

    watcher = watcher_for(fast, NS, clock=fake_time.clock, sleep=fake_time.sleep)
    watcher.wait("bert", running, deadline=600.0)

    assert (watcher.budget_interval, watcher.min_interval) == (0.5, 0.05)
    assert [t for t, _, _ in fast.calls] == pytest.approx([0.5, 1.0, 1.5])
    default = watcher_for(FakeClient(fake_time), NS, clock=fake_time.clock, sleep=fake_time.sleep)
    assert (default.budget_interval, default.min_interval) == (5.0, 0.5)


def test_watcher_for_never_hands_out_a_watcher_at_another_cadence(
    client: FakeClient, fake_time: FakeTime
) -> None:
    """The cadence is part of the registry's key: a client whose interval differs (a fake whose
    attribute changed) gets a watcher at its new pace, not the one made for the old."""
    before = watcher_for(client, NS, clock=fake_time.clock, sleep=fake_time.sleep)
    client.poll_interval = 0.25

    after = watcher_for(client, NS, clock=fake_time.clock, sleep=fake_time.sleep)

    assert after is not before
    assert (before.budget_interval, after.budget_interval) == (5.0, 0.25)
    assert watcher_for(client, NS, clock=fake_time.clock, sleep=fake_time.sleep) is after


# -- against the emulator --------------------------------------------------------------------------


def test_waits_end_when_the_emulator_reports_running_within_the_request_budget(
    pool: ThreadPoolExecutor,
) -> None:
    """The real client, in process against the emulator, whose clock the poller's sleep advances:
    seeded provisioning times from 2 to 20 s, 12 endpoints over 2 list pages. Each wait ends within
    5 s of the endpoint becoming running (about one second for most), for no more requests than the
    waits earned."""
    app = EmulatorApp(
        token="hf_readiness", orgs=[NS], seed=3, provision_seconds=(2.0, 20.0), list_page_size=8
    )
    fake_time = FakeTime()

    def sleep(seconds: float) -> None:
        fake_time.sleep(seconds)
        app.advance_clock(seconds)

    accepted: dict[str, tuple[float, float]] = {}

    def recorded(name: str) -> Callable[[dict[str, Any] | None], bool]:
        def done(ep: dict[str, Any] | None) -> bool:
            if running(ep):
                accepted[name] = (app.clock(), fake_time.now)
                return True
            return False

        return done

    names = [f"ep-{i}" for i in range(12)]
    with EndpointsClient(
        token="hf_readiness", api_url="http://emulator/v2", transport=app.transport()
    ) as client:
        for name in names:
            client.create_endpoint(NS, endpoint_body(name))
        app.reset_request_counts()
        watcher = EndpointWatcher(client, NS, clock=fake_time.clock, sleep=sleep)
        with fake_time.hold():
            futures = {
                name: pool.submit(watcher.wait, name, recorded(name), deadline=600.0) for name in names
            }
            until(lambda: watcher.waiting == len(names))
        results = {name: future.result(GUARD) for name, future in futures.items()}

    lags = []
    for name, result in results.items():
        assert result is not None and result["name"] == name and result["status"]["state"] == "running"
        view = app.inspect(NS, name)
        assert view is not None
        lags.append(accepted[name][0] - view["becameRunning"][0])
    # The emulator's clock also moves with real time: a few milliseconds over a run.
    assert all(0 <= lag < 5.5 for lag in lags)
    # huggingface_hub's wait() polls every 5 s: 2.5 s late on average.
    assert statistics.median(lags) < 2.0
    requests = app.request_counts()["byRoute"]
    assert set(requests) <= {"GET /v2/endpoint/{namespace}", "GET /v2/endpoint/{namespace}/{name}"}
    assert requests["GET /v2/endpoint/{namespace}"] >= 2
    # Earned: one request per 5 s of each wait; overdrawn by at most the first list's second page.
    assert sum(requests.values()) <= sum(fake for _, fake in accepted.values()) / 5.0 + 1


def test_each_namespace_is_charged_only_for_its_own_requests() -> None:
    """Two watchers share one client: requests the other namespace's waits send while this poll is
    under way are not charged to this namespace's budget."""

    def serve(request: httpx.Request) -> httpx.Response:
        namespace = request.url.path.split("/")[3]
        if namespace == "a":
            # While namespace a's poll waits for its answer, namespace b's waits send 4 requests.
            other = threading.Thread(target=lambda: [client.get_endpoint("b", "y") for _ in range(4)])
            other.start()
            other.join(GUARD)
        return httpx.Response(200, json=endpoint(request.url.path.rsplit("/", 1)[-1], "running"))

    client = EndpointsClient(token="t", api_url="https://api.test/v2", transport=httpx.MockTransport(serve))
    fake = FakeTime()
    watcher = EndpointWatcher(client, "a", clock=fake.clock, sleep=fake.sleep)

    observation = watcher._fetch(
        _Poll(number=1, names=["x"], by_list=False, estimated_cost=1, deadline=math.inf)
    )

    assert observation.endpoints["x"] is not None
    assert observation.cost == 1
    assert client.stats.requests[GET] == 5
