"""A synchronous HTTP client for the Hugging Face Inference Endpoints API.

`EndpointsClient` speaks HTTP and JSON and nothing else: it knows the routes, retries what is safe
to retry, caps what it reads, and turns every error answer into an exception from
`pulumi_huggingface.errors`. It imports nothing from Pulumi. One instance is shared by the worker
threads of the provider process; the transport is injected, so tests hand it an
`httpx.MockTransport` or an in-process WSGI emulator through `httpx.WSGITransport`.
"""

from __future__ import annotations

import contextlib
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from types import MappingProxyType, TracebackType
from typing import Any, NoReturn
from urllib.parse import quote

import httpx

from pulumi_huggingface._urls import DEFAULT_API_URL, DEFAULT_HUB_URL, validate_base_url
from pulumi_huggingface.errors import (
    HTML_INSTEAD_OF_JSON,
    ConfigurationError,
    TransportError,
    UnexpectedResponseError,
    is_html,
    parse_retry_after,
    raise_for_status,
    redact,
    url_path,
)
from pulumi_huggingface.settings import DEFAULT_POLL_INTERVAL

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_HUB_URL",
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "MAX_RESPONSE_BYTES",
    "ClientStats",
    "EndpointsClient",
    "RetryEvent",
    "RetryPolicy",
    "validate_base_url",
]


# Connecting should be quick; the API answers control-plane calls within seconds, but a create
# can take longer server-side, hence a read timeout well above a typical answer.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

# The provider server runs up to 64 calls at once once `configure` has widened its pool, all through
# one client; their waits share one poller, so 64 connections leave room without a socket per call.
DEFAULT_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=32)

# An endpoint is a few KiB of JSON and a page of them a few hundred; anything near this is not the
# API, and reading it whole could exhaust memory.
MAX_RESPONSE_BYTES = 8 * 1024 * 1024

# Guards list_endpoints against a server that hands out cursors forever.
_MAX_PAGES = 10_000

_RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

# Raised by httpx before a single byte of the request left this process: the server cannot have
# acted on it, so even a non-idempotent create may be sent again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

_ROUTE_WHOAMI = "/api/whoami-v2"
_ROUTE_LIST = "/endpoint/{namespace}"
_ROUTE_ENDPOINT = "/endpoint/{namespace}/{name}"
_ROUTE_PAUSE = "/endpoint/{namespace}/{name}/pause"
_ROUTE_RESUME = "/endpoint/{namespace}/{name}/resume"
_ROUTE_SCALE_TO_ZERO = "/endpoint/{namespace}/{name}/scale-to-zero"
_ROUTE_PROVIDER = "/provider/{namespace}"


@dataclass(frozen=True)
class RetryPolicy:
    """How `EndpointsClient` retries: capped exponential backoff with full jitter.

    Attributes:
        max_attempts: Attempts in all, the first included (1 disables retrying).
        backoff_initial: The backoff ceiling after the first failure, in seconds; it doubles per attempt.
        backoff_max: The largest backoff ceiling, in seconds.
        retry_after_max: The longest ``Retry-After`` the client waits out per attempt; a server asking
            for longer gets its error raised at once, carrying the delay it asked for.
        rng: The source of jitter; pass ``random.Random(seed)`` for repeatable delays.
    """

    max_attempts: int = 6
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 120.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigurationError(f"RetryPolicy.max_attempts must be at least 1, not {self.max_attempts}.")
        for name in ("backoff_initial", "backoff_max", "retry_after_max"):
            value = getattr(self, name)
            if not value >= 0:
                raise ConfigurationError(f"RetryPolicy.{name} must be a non-negative number, not {value!r}.")

    def ceiling(self, attempt: int) -> float:
        """Return the backoff ceiling after the given failed attempt (1-based)."""
        # Bound the exponent: 2**1100 overflows a float.
        return min(self.backoff_max, self.backoff_initial * 2.0 ** min(attempt - 1, 64))

    def backoff(self, attempt: int) -> float:
        """Return a delay drawn uniformly from [0, ceiling(attempt)] ("full jitter").

        Full jitter spreads the retries of many clients that failed together (AWS Architecture
        Blog, "Exponential Backoff And Jitter").
        """
        return self.rng.uniform(0.0, self.ceiling(attempt))


@dataclass(frozen=True)
class RetryEvent:
    """One retry the client is about to make, reported to ``on_retry`` before it sleeps.

    Attributes:
        method: The HTTP method, e.g. ``"GET"``.
        route: The route template, e.g. ``"/endpoint/{namespace}/{name}"``.
        attempt: The attempt that just failed (1-based).
        cause: Why it failed: ``"HTTP 503"`` or an httpx exception name such as ``"ReadTimeout"``.
        delay: Seconds the client sleeps before the next attempt.
        max_attempts: The attempts allowed in all, if known.
        target: What the request is about, e.g. ``"endpoint acme/bert"`` or ``"the endpoints of
            acme"``; None for a request about nothing in particular.
    """

    method: str
    route: str
    attempt: int
    cause: str
    delay: float
    max_attempts: int | None = None
    target: str | None = None

    def __str__(self) -> str:
        of = f" of {self.max_attempts}" if self.max_attempts is not None else ""
        about = self.target if self.target is not None else self.route
        return (
            f"{about}: {self.method} failed ({self.cause}), retrying in {self.delay:.1f} s "
            f"(attempt {self.attempt + 1}{of})"
        )


@dataclass(frozen=True)
class ClientStats:
    """A snapshot of an `EndpointsClient`'s counters.

    Attributes:
        requests: Requests sent (every attempt counts) by ``(method, route template)``.
        retries: Retries made in all.
        retries_by_cause: Retries by cause (``"HTTP 429"``, ``"ConnectError"``, ...).
    """

    requests: Mapping[tuple[str, str], int]
    retries: int
    retries_by_cause: Mapping[str, int]

    @property
    def total_requests(self) -> int:
        """Requests sent in all."""
        return sum(self.requests.values())


def _package_version() -> str:
    try:
        return metadata.version("pulumi-huggingface")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _segment(value: str, what: str) -> str:
    if not isinstance(value, str) or value in ("", ".", ".."):
        # "." and ".." would be collapsed by URL normalisation into another route.
        raise ConfigurationError(
            f"The {what} must be a non-empty string other than '.' and '..', not {value!r}."
        )
    return quote(value, safe="")


class EndpointsClient:
    """A thread-safe, synchronous client for the Inference Endpoints API.

    Every method raises `pulumi_huggingface.errors.ApiError` subclasses for error answers,
    `TransportError` for network failures that outlasted the retries, and `UnexpectedResponseError`
    for answers that are not the API's JSON.

    Retries: 429, 500, 502, 503, 504 and network errors are retried with capped, jittered backoff
    (honouring ``Retry-After``) for reads and deletes. Create, update, pause, resume and
    scale-to-zero are not idempotent (each one sent deploys, pauses or wakes the endpoint once
    more), so they are retried only when the server surely did not act on them: a 429, or a network
    error raised before the request was sent. After a read timeout or a 5xx the call may have taken
    effect, so the error is raised at once for the caller to look the endpoint up.

    Within `deadline`, no retry waits past the deadline: the error is raised instead.

    Example:
        >>> with EndpointsClient(token=token) as client:  # doctest: +SKIP
        ...     client.get_endpoint("my-org", "my-endpoint")["status"]["state"]
    """

    def __init__(
        self,
        *,
        token: str,
        api_url: str = DEFAULT_API_URL,
        hub_url: str = DEFAULT_HUB_URL,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[RetryEvent], None] | None = None,
        user_agent: str | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create a client.

        Args:
            token: A Hugging Face token (sent as ``Authorization: Bearer <token>``).
            api_url: The Inference Endpoints API base URL, ending in ``/v2`` for the real service.
            hub_url: The Hub base URL, for ``whoami``.
            transport: The httpx transport; None for real HTTP with the default pool limits.
            timeout: An httpx timeout, or seconds for all phases.
            retry: The retry policy; None for `RetryPolicy()`'s defaults.
            sleep: Called with each backoff delay (inject a fake in tests).
            on_retry: Called with a `RetryEvent` before each retry's sleep, e.g. to print progress.
            user_agent: Product tokens appended to the user-agent, e.g. ``"pulumi/3.140.0"``.
            poll_interval: Seconds between status requests per endpoint waited on through this
                client. The client never polls by itself: it carries the cadence so that every wait
                sharing it (`pulumi_huggingface.waiting.watcher_for`) shares one budget. 5 s is
                huggingface_hub's ``wait()``.
            clock: Monotonic seconds, the clock of `deadline` (inject a fake with ``sleep``).

        Raises:
            ConfigurationError: The token is empty or not a valid header value, a URL is invalid, or
                ``poll_interval`` is not a positive number.
        """
        if not isinstance(token, str) or not token.strip():
            raise ConfigurationError("The Hugging Face token is empty.")
        token = token.strip()
        if not token.isascii() or not token.isprintable() or any(ch.isspace() for ch in token):
            # Checked here so httpx's own header error, which may quote the value, never fires.
            raise ConfigurationError(
                "The Hugging Face token contains characters not allowed in an HTTP header "
                "(spaces, line breaks or non-ASCII characters); copy it again from "
                "https://huggingface.co/settings/tokens."
            )
        numeric = isinstance(poll_interval, (int, float)) and not isinstance(poll_interval, bool)
        if not numeric or not 0 < poll_interval < math.inf:
            raise ConfigurationError(
                f"poll_interval must be a positive, finite number of seconds, not {poll_interval!r}."
            )
        self._token = token
        self._poll_interval = float(poll_interval)
        self.api_url = validate_base_url(api_url, setting="api_url")
        self.hub_url = validate_base_url(hub_url, setting="hub_url")
        self._retry = retry if retry is not None else RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._on_retry = on_retry
        # Per thread: the deadline (on `clock`) that retries must not wait past, if any.
        self._local = threading.local()
        agent = f"pulumi-huggingface/{_package_version()} httpx/{httpx.__version__}"
        self._user_agent = f"{agent} {user_agent}" if user_agent else agent
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            limits=DEFAULT_LIMITS,
            follow_redirects=False,  # a redirect to another host must not carry the token along
            trust_env=transport is None,
        )
        self._lock = threading.Lock()
        self._requests: Counter[tuple[str, str]] = Counter()
        self._retries: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"EndpointsClient(api_url={self.api_url!r}, hub_url={self.hub_url!r})"

    def __reduce__(self) -> NoReturn:
        # A client holds sockets and the token; neither belongs in a pickled provider in stack state.
        raise TypeError("EndpointsClient cannot be pickled: build it where it is used (in configure()).")

    def __enter__(self) -> EndpointsClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy in use."""
        return self._retry

    @property
    def poll_interval(self) -> float:
        """Seconds between status requests per endpoint waited on through this client."""
        return self._poll_interval

    @property
    def stats(self) -> ClientStats:
        """A consistent snapshot of the request and retry counters."""
        with self._lock:
            return ClientStats(
                requests=MappingProxyType(dict(self._requests)),
                retries=sum(self._retries.values()),
                retries_by_cause=MappingProxyType(dict(self._retries)),
            )

    @contextlib.contextmanager
    def deadline(self, at: float) -> Iterator[None]:
        """Bound the retries of the calls this thread makes inside the block by a deadline.

        A retry whose wait (a backoff or the server's ``Retry-After``) would end past ``at`` is not
        made: the error it would retry is raised at once. Blocks nest; the innermost one holds.

        Args:
            at: The deadline, in seconds on the client's ``clock``.
        """
        outer = getattr(self._local, "deadline", None)
        self._local.deadline = at
        try:
            yield
        finally:
            self._local.deadline = outer

    def requests_by_this_thread(self) -> Mapping[tuple[str, str], int]:
        """Requests the calling thread has sent through this client (every attempt counts), by
        ``(method, route template)``: a poller thread's own cost, whatever other threads send."""
        counts: Counter[tuple[str, str]] = getattr(self._local, "requests", None) or Counter()
        return MappingProxyType(dict(counts))

    def _time_left(self) -> float:
        at: float | None = getattr(self._local, "deadline", None)
        return math.inf if at is None else at - self._clock()

    # -- the API -------------------------------------------------------------------------------

    def whoami(self) -> dict[str, Any]:
        """Return the token owner's account (``GET {hub_url}/api/whoami-v2``).

        Returns:
            The Hub's answer: ``{"type": "user", "name": ..., "orgs": [...], ...}``.
        """
        return self._json_object(
            "GET", self.hub_url + _ROUTE_WHOAMI, _ROUTE_WHOAMI, target="the token's owner"
        )

    def list_endpoints(self, namespace: str, *, tags: Sequence[str] = ()) -> list[dict[str, Any]]:
        """Return every endpoint of a namespace, following ``nextCursor`` across pages.

        Args:
            namespace: A user or organization name.
            tags: Ask only for endpoints carrying any of these tags (the ``tags`` query parameter,
                comma-separated). Only a recent spec documents it, so a caller that needs the
                filter must still check each endpoint's tags: an API that ignored it would answer
                with every endpoint.
        """
        url = self.api_url + f"/endpoint/{_segment(namespace, 'namespace')}"
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        seen: set[str] = set()
        for _ in range(_MAX_PAGES):
            params: dict[str, str] = {"tags": ",".join(tags)} if tags else {}
            if cursor is not None:
                params["cursor"] = cursor
            response = self._send(
                "GET", url, _ROUTE_LIST, params=params, target=f"the endpoints of {namespace}"
            )
            page = self._decode_object(response)
            page_items = page.get("items")
            if not isinstance(page_items, list) or not all(isinstance(item, dict) for item in page_items):
                self._unexpected(response, 'a list without an "items" array of objects')
            items.extend(page_items)
            next_cursor = page.get("nextCursor")
            if next_cursor is None or next_cursor == "":
                return items
            if not isinstance(next_cursor, str) or next_cursor in seen:
                self._unexpected(response, "a nextCursor that is not a new string (pagination would loop)")
            seen.add(next_cursor)
            cursor = next_cursor
        self._unexpected(response, f"more than {_MAX_PAGES} pages of endpoints")

    def get_endpoint(self, namespace: str, name: str) -> dict[str, Any]:
        """Return one endpoint (``GET /endpoint/{namespace}/{name}``).

        Raises:
            NotFoundError: No such endpoint (or namespace).
        """
        return self._endpoint(
            "GET", self._endpoint_url(namespace, name), _ROUTE_ENDPOINT, target=_about(namespace, name)
        )

    def create_endpoint(self, namespace: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Create an endpoint (``POST /endpoint/{namespace}``) and return it as the server stored it.

        Not idempotent: retried only after a 429 or a network error raised before sending.

        Args:
            namespace: A user or organization name.
            payload: The endpoint in the API's JSON shape.

        Raises:
            ConflictError: The name is taken, or a quota is exhausted.
            ServerError: A 5xx answer; the endpoint may nonetheless exist.
            TransportError: With ``request_may_have_reached_server`` True, the endpoint may exist.
        """
        url = self.api_url + f"/endpoint/{_segment(namespace, 'namespace')}"
        name = payload.get("name")
        return self._endpoint(
            "POST",
            url,
            _ROUTE_LIST,
            json=dict(payload),
            idempotent=False,
            target=_about(namespace, name if isinstance(name, str) else "(unnamed)"),
        )

    def update_endpoint(self, namespace: str, name: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Update an endpoint (``PUT /endpoint/{namespace}/{name}``); the server merges the payload.

        Not retried after the server may have acted on it (see the class): each PUT redeploys.

        Args:
            namespace: A user or organization name.
            name: The endpoint name.
            payload: Only the keys to change, in the API's JSON shape; ``None`` values clear a key.
        """
        return self._endpoint(
            "PUT",
            self._endpoint_url(namespace, name),
            _ROUTE_ENDPOINT,
            json=dict(payload),
            idempotent=False,
            target=_about(namespace, name),
        )

    def delete_endpoint(self, namespace: str, name: str) -> None:
        """Delete an endpoint (``DELETE /endpoint/{namespace}/{name}``).

        Raises:
            NotFoundError: The endpoint does not exist; whether that is fine is the caller's call.
        """
        # The API answers 200 with `{}`; any body within the size cap is accepted.
        self._send(
            "DELETE", self._endpoint_url(namespace, name), _ROUTE_ENDPOINT, target=_about(namespace, name)
        )

    def pause_endpoint(self, namespace: str, name: str) -> dict[str, Any]:
        """Pause an endpoint (``POST .../pause``): no replicas, no billing, until resumed.

        Not retried after the server may have acted on it (see the class).
        """
        return self._endpoint(
            "POST",
            self._endpoint_url(namespace, name) + "/pause",
            _ROUTE_PAUSE,
            idempotent=False,
            target=_about(namespace, name),
        )

    def resume_endpoint(self, namespace: str, name: str) -> dict[str, Any]:
        """Resume a paused or scaled-to-zero endpoint (``POST .../resume``).

        Not retried after the server may have acted on it (see the class).

        Raises:
            BadRequestError: Among others when it is already running (the message says "already running").
        """
        return self._endpoint(
            "POST",
            self._endpoint_url(namespace, name) + "/resume",
            _ROUTE_RESUME,
            idempotent=False,
            target=_about(namespace, name),
        )

    def scale_to_zero_endpoint(self, namespace: str, name: str) -> dict[str, Any]:
        """Scale an endpoint to zero replicas (``POST .../scale-to-zero``); a request wakes it.

        Not retried after the server may have acted on it (see the class).
        """
        return self._endpoint(
            "POST",
            self._endpoint_url(namespace, name) + "/scale-to-zero",
            _ROUTE_SCALE_TO_ZERO,
            idempotent=False,
            target=_about(namespace, name),
        )

    def list_hardware(self, namespace: str) -> dict[str, Any]:
        """Return the vendors, regions and instances available to a namespace (``GET /provider/{ns}``)."""
        url = self.api_url + f"/provider/{_segment(namespace, 'namespace')}"
        return self._json_object("GET", url, _ROUTE_PROVIDER, target=f"the hardware catalogue of {namespace}")

    # -- plumbing ------------------------------------------------------------------------------

    def _endpoint_url(self, namespace: str, name: str) -> str:
        return (
            self.api_url + f"/endpoint/{_segment(namespace, 'namespace')}/{_segment(name, 'endpoint name')}"
        )

    def _json_object(
        self,
        method: str,
        url: str,
        route: str,
        *,
        json: dict[str, Any] | None = None,
        idempotent: bool = True,
        target: str | None = None,
    ) -> dict[str, Any]:
        response = self._send(method, url, route, json=json, idempotent=idempotent, target=target)
        return self._decode_object(response)

    def _endpoint(
        self,
        method: str,
        url: str,
        route: str,
        *,
        json: dict[str, Any] | None = None,
        idempotent: bool = True,
        target: str | None = None,
    ) -> dict[str, Any]:
        """Send a request answered with one endpoint, and check that the answer is one.

        Every endpoint the API sends has a string ``name`` and a ``status`` object with a string
        ``state`` ([D] huggingface_hub's ``from_raw`` requires them). Anything else (``{}``, an error
        object served with 200, a list) is refused here, so that no caller mistakes it for an endpoint
        whose every setting was removed.
        """
        response = self._send(method, url, route, json=json, idempotent=idempotent, target=target)
        data = self._decode_object(response)
        status = data.get("status")
        if not isinstance(data.get("name"), str):
            self._unexpected(response, 'an endpoint without a "name" string')
        if not isinstance(status, dict) or not isinstance(status.get("state"), str):
            self._unexpected(response, 'an endpoint without a "status.state" string')
        return data

    def _send(
        self,
        method: str,
        url: str,
        route: str,
        *,
        json: dict[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        idempotent: bool = True,
        target: str | None = None,
    ) -> httpx.Response:
        """Send a request with retries; return the read, successful response or raise.

        ``target`` names what the request is about in the retry events.
        """
        policy = self._retry
        attempt = 0
        while True:
            attempt += 1
            request = self._http.build_request(
                method,
                url,
                json=json,
                params=params,
                headers={
                    "Authorization": f"Bearer {self._token}",
                    "Accept": "application/json",
                    "User-Agent": self._user_agent,
                },
            )
            with self._lock:
                self._requests[(method, route)] += 1
            mine: Counter[tuple[str, str]] | None = getattr(self._local, "requests", None)
            if mine is None:
                mine = self._local.requests = Counter()
            mine[(method, route)] += 1
            try:
                response = self._send_once(request)
            except httpx.UnsupportedProtocol as exc:
                raise ConfigurationError(
                    f"{method} {url_path(request.url)}: unsupported URL scheme in {request.url.scheme!r}."
                ) from exc
            except httpx.TransportError as exc:
                reached = not isinstance(exc, _NOT_SENT)
                cause = type(exc).__name__
                delay = policy.backoff(attempt)
                if (
                    (reached and not idempotent)
                    or attempt >= policy.max_attempts
                    or delay >= self._time_left()
                ):
                    raise self._transport_error(request, exc, attempt, reached, idempotent) from exc
            else:
                status = response.status_code
                if status not in _RETRYABLE_STATUSES or (not idempotent and status != 429):
                    raise_for_status(response, secrets=(self._token,), attempts=attempt)
                    return response
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                cause = f"HTTP {status}"
                delay = retry_after if retry_after is not None else policy.backoff(attempt)
                if (
                    attempt >= policy.max_attempts
                    or (retry_after is not None and retry_after > policy.retry_after_max)
                    # The operation's deadline comes first: its caller reports the error in time.
                    or delay >= self._time_left()
                ):
                    raise_for_status(response, secrets=(self._token,), attempts=attempt)
            event = RetryEvent(method, route, attempt, cause, delay, policy.max_attempts, target)
            with self._lock:
                self._retries[cause] += 1
            if self._on_retry is not None:
                self._on_retry(event)
            self._sleep(delay)

    def _send_once(self, request: httpx.Request) -> httpx.Response:
        """Send one request and read its body, at most MAX_RESPONSE_BYTES of it."""
        response = self._http.send(request, stream=True)
        try:
            declared = response.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
                self._too_large(response)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    self._too_large(response)
                chunks.append(chunk)
        except httpx.DecodingError as exc:
            self._unexpected(response, f"a body that could not be decoded ({type(exc).__name__})")
        finally:
            response.close()
        # A fresh response holding the decoded body, so the error mapping can read `.content`;
        # the encoding headers described the raw stream, not these bytes.
        headers = [
            (key, value)
            for key, value in response.headers.multi_items()
            if key.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx.Response(
            response.status_code,
            headers=headers,
            content=b"".join(chunks),
            request=request,
            extensions=response.extensions,
        )

    def _decode_object(self, response: httpx.Response) -> dict[str, Any]:
        text = response.text
        if not text.strip():
            self._unexpected(response, "an empty body instead of a JSON object")
        try:
            data = response.json()
        except (ValueError, RecursionError):
            # RecursionError: json gives up on deeply nested input (`[[[[...`) this way.
            if is_html(response, text):
                self._unexpected(response, HTML_INSTEAD_OF_JSON)
            self._unexpected(response, "malformed JSON")
        if not isinstance(data, dict):
            self._unexpected(response, f"a JSON {_json_kind(data)} instead of an object")
        return data

    def _too_large(self, response: httpx.Response) -> NoReturn:
        self._unexpected(response, f"a body larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MiB")

    def _unexpected(self, response: httpx.Response, problem: str) -> NoReturn:
        request = response.request
        raise UnexpectedResponseError(
            status_code=response.status_code,
            method=request.method,
            path=url_path(request.url),
            problem=problem,
        )

    def _transport_error(
        self,
        request: httpx.Request,
        exc: httpx.TransportError,
        attempts: int,
        reached: bool,
        idempotent: bool,
    ) -> TransportError:
        path = url_path(request.url)
        origin = _origin(request.url)
        detail = redact(str(exc), (self._token,)).strip()
        what = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        if reached and not idempotent:
            advice = (
                "The request may have reached the server and taken effect: look the endpoint up before "
                "sending it again."
            )
        else:
            # A wrong port and a host that is down read alike: say exactly which address was tried.
            advice = (
                f"Check that {origin} (host {request.url.host}, port {_port(request.url)}) is the "
                "address of the API and that it is reachable, then run again."
            )
        return TransportError(
            f"{request.method} {path} to {origin} failed{tries} ({what}). {advice}",
            method=request.method,
            path=path,
            request_may_have_reached_server=reached,
        )


def _about(namespace: str, name: str) -> str:
    return f"endpoint {namespace}/{name}"


def _port(url: httpx.URL) -> int | str:
    if url.port is not None:
        return url.port
    return {"http": 80, "https": 443}.get(url.scheme, "unknown")


def _origin(url: httpx.URL) -> str:
    """The scheme, host and port of a URL (no path, query or credentials)."""
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{url.host}{port}"


def _json_kind(data: Any) -> str:
    if isinstance(data, list):
        return "array"
    if isinstance(data, str):
        return "string"
    if isinstance(data, bool):
        return "boolean"
    if isinstance(data, (int, float)):
        return "number"
    return "null"
