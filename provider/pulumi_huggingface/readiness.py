"""Seeing endpoints become ready soon after they do, without polling the API more than the official client.

huggingface_hub's ``InferenceEndpoint.wait()`` sends one ``GET /endpoint/{ns}/{name}`` every 5 s
per endpoint, so it notices readiness 2.5 s late on average and 32 endpoints cost 32 requests per
5 s. An `EndpointWatcher` serves every thread of the process waiting on endpoints of one namespace:
one poller thread fetches the state of all of them at once (one ``list_endpoints`` call, which costs
one request per page) and hands each waiter its endpoint.

The request budget is what ``wait()`` would spend on the same waiters: each waiter earns one request
per ``budget_interval`` (5 s) for as long as it waits, and the poller spends those credits. With
N waiters and a list of P pages it therefore polls every ``budget_interval * P / N`` seconds, never
more often than ``min_interval`` (a tenth of ``budget_interval``, 0.5 s); with one waiter, once per
``budget_interval`` with a plain GET. The budget is the client's ``poll_interval`` (stack config
``huggingface:pollInterval``, 5 s by default), which users shorten against an emulator, where
waiting is only ceremony.
Credit a busy period saves (many waiters, a short list: the ``min_interval`` floor) is spent later
on the last few waiters, which keeps them polled quickly too. A poll starts only when the credit
covers its expected cost, so the requests sent stay within what ``wait()`` would have sent for the
same waiters, give or take the extras of the last poll (client retries, a confirming GET, a list
grown by a page), which are charged against the following polls. Credit is discarded when the
watcher goes idle or the server rate-limits us.

Rate limits and outages: the client already retries 429/5xx/network errors with backoff; when it
gives up, the poller pauses for the server's ``Retry-After`` (or an exponential backoff, from at
least 5 s after a rate limit whatever the budget) instead of failing the waits, which end at their
own deadlines. Errors that retrying cannot fix (a revoked
token, 403), and answers that are not the API's JSON several polls in a row, end every wait they
concern at once.

`watcher_for` returns the process-wide watcher of a (client, namespace), polling at the client's
``poll_interval``. This module imports nothing from Pulumi.
"""

from __future__ import annotations

import copy
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pulumi_huggingface.errors import (
    DeadlineExceededError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)
from pulumi_huggingface.settings import DEFAULT_POLL_INTERVAL

__all__ = [
    "DEFAULT_BUDGET_INTERVAL",
    "DEFAULT_MIN_INTERVAL",
    "MAX_MALFORMED_POLLS",
    "MIN_INTERVAL_FLOOR",
    "EndpointWatcher",
    "PollingClient",
    "min_interval_for",
    "watcher_for",
]

#: huggingface_hub's ``InferenceEndpoint.wait(refresh_every=5)``: the pace whose cost we never exceed.
DEFAULT_BUDGET_INTERVAL = DEFAULT_POLL_INTERVAL

#: The fastest the poller ever polls at the default budget, however many waiters pay for it:
#: readiness is then seen within half a second, and a namespace with hundreds of endpoints waiting
#: does not hammer the API. Another budget scales it (`min_interval_for`).
DEFAULT_MIN_INTERVAL = 0.5

#: The fastest the poller ever polls at any budget: even against a local emulator with a tiny
#: ``poll_interval`` and many waiters, at most 20 polls a second, never a busy loop.
MIN_INTERVAL_FLOOR = 0.05

# The longest pause after repeated failures; the client has already retried for ~15 s by then.
_MAX_BACKOFF = 60.0

# A computed pause below this is rounded up, so float residue never makes the poller spin.
_MIN_SLEEP = 0.01

# Route templates as `EndpointsClient.requests_by_this_thread` counts them.
_LIST_ROUTE = ("GET", "/endpoint/{namespace}")
_GET_ROUTE = ("GET", "/endpoint/{namespace}/{name}")

#: Polls in a row answered with something other than the API's JSON before the waits end with that
#: error: one garbled answer (a proxy's error page) is not worth abandoning a deployment over;
#: several in a row mean the API is not what answers, and that is reported.
MAX_MALFORMED_POLLS = 3

# Errors that say nothing about the endpoints, only that the API could not answer now: the poller
# pauses and tries again rather than ending the waits (up to `MAX_MALFORMED_POLLS` malformed ones).
_PAUSING = (RateLimitedError, TransportError, ServerError, UnexpectedResponseError)

Done = Callable[[dict[str, Any] | None], bool]
Progress = Callable[[dict[str, Any]], None]


def min_interval_for(budget_interval: float) -> float:
    """The shortest gap between two polls for a budget: a tenth of it, as 0.5 s is of 5 s, and at
    least `MIN_INTERVAL_FLOOR`."""
    return max(budget_interval * DEFAULT_MIN_INTERVAL / DEFAULT_BUDGET_INTERVAL, MIN_INTERVAL_FLOOR)


class PollingClient(Protocol):
    """What the watcher needs of `pulumi_huggingface.client.EndpointsClient`."""

    @property
    def poll_interval(self) -> float:
        """Seconds between status requests per waiting endpoint: the watcher's ``budget_interval``."""
        ...

    def requests_by_this_thread(self) -> Mapping[tuple[str, str], int]:
        """Requests the calling thread has sent, by ``(method, route template)``; every attempt counts.

        Per thread, because one client serves every namespace's poller: each is charged only for
        what it sent itself.
        """
        ...

    def list_endpoints(self, namespace: str) -> list[dict[str, Any]]:
        """Return every endpoint of a namespace, following pagination."""
        ...

    def get_endpoint(self, namespace: str, name: str) -> dict[str, Any]:
        """Return one endpoint; raise `NotFoundError` if it does not exist."""
        ...


@dataclass(eq=False)
class _Waiter:
    name: str
    done: Done
    on_progress: Progress | None
    deadline: float
    started: float
    # The first poll whose data this waiter may see: one that began after it registered. A poll
    # already in flight may carry the state from before the caller's own change (an update's
    # PUT), which would satisfy "running" falsely.
    first_poll: int
    last_status: Any = None
    last_state: str | None = None
    settled: bool = False
    result: dict[str, Any] | None = None
    error: BaseException | None = None


@dataclass
class _Poll:
    number: int
    names: list[str]
    by_list: bool
    estimated_cost: int


@dataclass
class _Observation:
    endpoints: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    failed: dict[str, Exception] = field(default_factory=dict)
    error: Exception | None = None
    cost: int = 0
    list_pages: int | None = None


class EndpointWatcher:
    """Waits for endpoints of one namespace, polling all of them together from one thread.

    Thread-safe: any number of threads may call `wait` at once. The poller thread starts with the
    first waiter and exits when none is left; it is a daemon and never keeps the process alive.

    Args:
        client: The API client (an `EndpointsClient`); it must be thread-safe.
        namespace: The namespace whose endpoints are watched.
        clock: Monotonic seconds; deadlines are on this clock.
        sleep: Pauses the poller between polls (inject a fake with ``clock`` in tests).
        min_interval: The shortest time between two polls, in seconds; None for
            `min_interval_for(budget_interval)` (0.5 s at the default budget).
        budget_interval: Each waiter earns one request per this many seconds of waiting.
    """

    def __init__(
        self,
        client: PollingClient,
        namespace: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        min_interval: float | None = None,
        budget_interval: float = DEFAULT_BUDGET_INTERVAL,
    ) -> None:
        if min_interval is None and budget_interval > 0:
            min_interval = min_interval_for(budget_interval)
        if min_interval is None or not min_interval > 0 or not budget_interval > 0:
            raise ValueError(
                "min_interval and budget_interval must be positive, "
                f"not {min_interval!r} and {budget_interval!r}."
            )
        self._client = client
        self._namespace = namespace
        self._clock = clock
        self._sleep = sleep
        self._min_interval = min_interval
        self._budget_interval = budget_interval
        self._cond = threading.Condition(threading.Lock())
        self._waiters: list[_Waiter] = []
        self._thread: threading.Thread | None = None
        self._credit = 0.0
        self._credit_at = clock()
        self._polls = 0
        self._last_poll_at = -float("inf")
        self._paused_until = -float("inf")
        self._failures = 0
        # Polls in a row answered with something other than the API's JSON.
        self._malformed = 0
        self._last_error: Exception | None = None
        # When the polls began failing in a row (the start of the first failed poll), or None.
        self._failing_since: float | None = None
        # Requests one list costs (its pages); learnt from each list, 1 until the first.
        self._list_cost = 1

    def __repr__(self) -> str:
        return (
            f"EndpointWatcher(namespace={self._namespace!r}, budget_interval={self._budget_interval!r}, "
            f"waiting={self.waiting})"
        )

    @property
    def namespace(self) -> str:
        """The namespace whose endpoints are watched."""
        return self._namespace

    @property
    def budget_interval(self) -> float:
        """Seconds of waiting that earn each waiter one request."""
        return self._budget_interval

    @property
    def min_interval(self) -> float:
        """The shortest time between two polls, in seconds."""
        return self._min_interval

    @property
    def waiting(self) -> int:
        """How many waits are in progress."""
        with self._cond:
            return len(self._waiters)

    def wait(
        self,
        name: str,
        done: Done,
        *,
        deadline: float,
        on_progress: Progress | None = None,
    ) -> dict[str, Any] | None:
        """Block until ``done`` holds for the endpoint's state, or the deadline passes.

        Only states fetched after this call began are shown to ``done``. ``done`` and
        ``on_progress`` run on the poller thread and must be quick; an exception from either ends
        this wait and is raised here.

        Args:
            name: The endpoint's name.
            done: Called with the endpoint's JSON, or None when it does not exist; returns True
                when the wait is over. It may raise (e.g. `EndpointFailedError`) to end the wait.
            deadline: When to give up, on the watcher's clock.
            on_progress: Called with the endpoint's JSON whenever its ``status`` changes (the first
                state seen included).

        Returns:
            The JSON ``done`` accepted, or None if it accepted the endpoint's absence.

        Raises:
            DeadlineExceededError: ``done`` did not hold before the deadline. Its ``__cause__`` is
                the error of the last poll if that poll failed.
            Exception: Whatever ``done`` or ``on_progress`` raised; an `ApiError` that retrying
                cannot fix (401, 403, ...) from the poll.
        """
        now = self._clock()
        waiter = _Waiter(
            name=name,
            done=done,
            on_progress=on_progress,
            deadline=deadline,
            started=now,
            first_poll=0,
        )
        with self._cond:
            if now < deadline:
                self._accrue(now)
                waiter.first_poll = self._polls + 1
                self._waiters.append(waiter)
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name=f"hf-endpoint-watcher-{self._namespace}", daemon=True
                    )
                    self._thread.start()
            else:
                self._expire(waiter, now)
            try:
                while not waiter.settled:
                    now = self._clock()
                    if now >= waiter.deadline:
                        self._expire(waiter, now)
                        break
                    self._cond.wait(waiter.deadline - now)
            finally:
                if not waiter.settled:
                    # Interrupted (KeyboardInterrupt in the caller's thread): stop paying for it.
                    self._remove(waiter, self._clock())
        if waiter.error is not None:
            raise waiter.error
        return waiter.result

    # -- bookkeeping, always under self._cond --------------------------------------------------

    def _accrue(self, now: float) -> None:
        if now > self._credit_at:
            self._credit += (now - self._credit_at) * len(self._waiters) / self._budget_interval
        self._credit_at = max(now, self._credit_at)

    def _remove(self, waiter: _Waiter, now: float) -> None:
        self._accrue(now)
        waiter.settled = True
        if waiter in self._waiters:
            self._waiters.remove(waiter)
        self._cond.notify_all()

    def _expire(self, waiter: _Waiter, now: float) -> None:
        error = DeadlineExceededError(
            namespace=self._namespace,
            name=waiter.name,
            last_state=waiter.last_state,
            waited_seconds=max(0.0, now - waiter.started),
            outage=self._outage(now),
        )
        if self._last_error is not None:
            error.__cause__ = self._last_error
        waiter.error = error
        self._remove(waiter, now)

    def _outage(self, now: float) -> str | None:
        """What the polls have met since they began failing, for the error of a wait they ended."""
        error, since = self._last_error, self._failing_since
        if error is None or since is None:
            return None
        what = {
            TransportError: "the API could not be reached",
            RateLimitedError: "the API kept rate-limiting the polls",
            ServerError: "the API kept failing",
            UnexpectedResponseError: "something other than the API kept answering",
        }
        kind = next((text for cls, text in what.items() if isinstance(error, cls)), "the polls kept failing")
        seconds = max(0.0, now - since)
        return f"{kind} for the last {seconds:.0f} s ({type(error).__name__}: {str(error).rstrip('.')})"

    # -- the poller thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                step = self._plan()
                if step is None:
                    return
                if isinstance(step, float):
                    self._sleep(step)
                    continue
                self._deliver(step, self._fetch(step))
        except Exception as exc:
            # A bug here must not leave every waiter blocked until its deadline.
            with self._cond:
                self._thread = None
                for waiter in list(self._waiters):
                    waiter.error = exc
                    self._remove(waiter, self._clock())

    def _plan(self) -> _Poll | float | None:
        """Decide the next step: None to exit, seconds to sleep, or the poll to make now."""
        with self._cond:
            now = self._clock()
            for waiter in [w for w in self._waiters if now >= w.deadline]:
                self._expire(waiter, now)
            if not self._waiters:
                # Exiting under the lock that `wait` registers under: a new waiter either is seen
                # here or finds no thread and starts one.
                self._thread = None
                self._credit = 0.0
                self._last_error = None
                self._failing_since = None
                return None
            self._accrue(now)
            names = list(dict.fromkeys(w.name for w in self._waiters))
            # One GET per endpoint or one list of P pages, whichever sends fewer requests; GET on a
            # tie, because it needs no follow-up to tell "absent" from "not listed".
            by_list = len(names) > self._list_cost
            cost = self._list_cost if by_list else len(names)
            rate = len(self._waiters) / self._budget_interval
            ready_at = max(
                self._paused_until,
                self._last_poll_at + self._min_interval,
                now + max(0.0, (cost - self._credit) / rate),
            )
            if ready_at > now:
                wake = min(ready_at, min(w.deadline for w in self._waiters))
                return max(wake - now, _MIN_SLEEP)
            self._polls += 1
            self._last_poll_at = now
            self._credit -= cost
            return _Poll(number=self._polls, names=names, by_list=by_list, estimated_cost=cost)

    def _fetch(self, poll: _Poll) -> _Observation:
        """Make one poll's requests (outside the lock) and report what they showed."""
        observation = _Observation()
        before = self._request_count()
        try:
            if poll.by_list:
                list_before = self._client.requests_by_this_thread().get(_LIST_ROUTE, 0)
                try:
                    listed = self._client.list_endpoints(self._namespace)
                except NotFoundError:
                    listed = []  # no such namespace: every endpoint is absent, confirmed below
                pages = self._client.requests_by_this_thread().get(_LIST_ROUTE, 0) - list_before
                observation.list_pages = max(1, pages)
                for item in listed:
                    item_name = item.get("name")
                    if isinstance(item_name, str):
                        observation.endpoints[item_name] = item
                # An endpoint missing from a list is confirmed absent by its own GET: a listing may
                # lag behind a create, and "absent" ends waits (deletes) or fails them (creates).
                unlisted = [name for name in poll.names if name not in observation.endpoints]
            else:
                unlisted = poll.names
            for name in unlisted:
                try:
                    observation.endpoints[name] = self._client.get_endpoint(self._namespace, name)
                except NotFoundError:
                    observation.endpoints[name] = None
                except _PAUSING:
                    raise
                except Exception as exc:
                    # Concerns this name only (say, one the API refuses): the other waits go on.
                    observation.failed[name] = exc
        except Exception as exc:
            observation.error = exc
        observation.cost = max(self._request_count() - before, 1)
        return observation

    def _request_count(self) -> int:
        # The poller thread is this watcher's own: what it sent is what this namespace's polls cost.
        requests = self._client.requests_by_this_thread()
        return requests.get(_LIST_ROUTE, 0) + requests.get(_GET_ROUTE, 0)

    def _deliver(self, poll: _Poll, observation: _Observation) -> None:
        """Show each waiter its endpoint; settle those whose wait is over; handle the poll's error."""
        with self._cond:
            now = self._clock()
            self._accrue(now)
            # Charge what the poll really cost: retries, confirmations, a list longer than thought.
            self._credit -= observation.cost - poll.estimated_cost
            if observation.list_pages is not None:
                self._list_cost = observation.list_pages
            eligible = [w for w in self._waiters if w.first_poll <= poll.number and not w.settled]
        outcomes: list[tuple[_Waiter, bool, dict[str, Any] | None, BaseException | None]] = []
        for waiter in eligible:
            if waiter.name in observation.endpoints:
                outcomes.append((waiter, *self._evaluate(waiter, observation.endpoints[waiter.name])))
            elif waiter.name in observation.failed:
                outcomes.append((waiter, True, None, _copy_error(observation.failed[waiter.name])))
        with self._cond:
            now = self._clock()
            for waiter, finished, result, error in outcomes:
                if finished and not waiter.settled:
                    waiter.result = result
                    waiter.error = error
                    self._remove(waiter, now)
            error = observation.error
            if error is None:
                self._failures = 0
                self._malformed = 0
                self._last_error = None
                self._failing_since = None
                return
            self._last_error = error
            if self._failing_since is None:
                self._failing_since = self._last_poll_at
            self._malformed = self._malformed + 1 if isinstance(error, UnexpectedResponseError) else 0
            if isinstance(error, _PAUSING) and self._malformed < MAX_MALFORMED_POLLS:
                self._failures += 1
                growth = 2.0 ** min(self._failures - 1, 16)
                pause = min(_MAX_BACKOFF, self._budget_interval * growth)
                if isinstance(error, RateLimitedError):
                    # The server said how long; our own surplus is no licence to come back sooner.
                    # Without a Retry-After, a short budget (an emulator's) is no licence either:
                    # the backoff starts from wait()'s pace at least.
                    slowest = max(self._budget_interval, DEFAULT_BUDGET_INTERVAL)
                    backoff = min(_MAX_BACKOFF, slowest * growth)
                    pause = error.retry_after if error.retry_after is not None else backoff
                    self._credit = min(self._credit, 0.0)
                self._paused_until = now + pause
                return
            # Anything else (401, 403 on the namespace) will not heal by polling again, nor will an
            # API that keeps answering with something else than its JSON (a proxy's login page).
            self._malformed = 0
            for waiter in [w for w in self._waiters if w.first_poll <= poll.number]:
                waiter.error = _copy_error(error)
                self._remove(waiter, now)

    def _evaluate(
        self, waiter: _Waiter, endpoint: dict[str, Any] | None
    ) -> tuple[bool, dict[str, Any] | None, BaseException | None]:
        """Run a waiter's callbacks on one observation: (finished, result, error)."""
        try:
            if endpoint is not None:
                status = endpoint.get("status")
                state = status.get("state") if isinstance(status, dict) else None
                waiter.last_state = state if isinstance(state, str) else waiter.last_state
                if waiter.on_progress is not None and status != waiter.last_status:
                    waiter.on_progress(endpoint)
                waiter.last_status = status
            else:
                waiter.last_state = "absent"
            if waiter.done(endpoint):
                return True, endpoint, None
        except Exception as exc:
            return True, None, exc
        return False, None, None


def _copy_error(error: Exception) -> Exception:
    # The same exception raised in several threads at once would share one mutating traceback.
    try:
        return copy.copy(error)
    except Exception:
        return error


_registry_lock = threading.Lock()
# Keyed by ids: a watcher holds its client, clock and sleep, so no id can be reused while the entry
# lives; weak values drop a watcher once no wait and no poller hold it. The cadence is part of the
# key, so a watcher never polls at another pace than its client asks for.
_registry: weakref.WeakValueDictionary[
    tuple[int, str, float, tuple[int, int], tuple[int, int]], EndpointWatcher
] = weakref.WeakValueDictionary()


def _identity(function: Callable[..., Any]) -> tuple[int, int]:
    # By identity, like the client: a fake clock's functions need not be hashable. A bound method is
    # a new object on each attribute access, so it is known by its instance and function instead.
    return id(getattr(function, "__self__", None)), id(getattr(function, "__func__", function))


def watcher_for(
    client: PollingClient,
    namespace: str,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> EndpointWatcher:
    """Return the process-wide watcher of a client and namespace, creating it if needed.

    Threads waiting through the same client share one watcher per namespace, hence one poller and
    one request budget; a provider should therefore share one client between its worker threads.
    The watcher's ``budget_interval`` is the client's ``poll_interval``, its ``min_interval`` scaled
    to it (`min_interval_for`).

    Args:
        client: The API client; its ``poll_interval`` sets the polling cadence.
        namespace: The namespace of the endpoints to wait on.
        clock: The watcher's clock (tests pass a fake one; waits on another clock get another watcher).
        sleep: The poller's sleep, advancing ``clock``.
    """
    budget_interval = client.poll_interval
    key = (id(client), namespace, budget_interval, _identity(clock), _identity(sleep))
    with _registry_lock:
        watcher = _registry.get(key)
        if watcher is None:
            watcher = EndpointWatcher(
                client, namespace, clock=clock, sleep=sleep, budget_interval=budget_interval
            )
            _registry[key] = watcher
        return watcher
