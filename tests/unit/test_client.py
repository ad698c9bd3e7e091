"""EndpointsClient over `httpx.MockTransport`: what goes on the wire, what comes back, what is retried.

Fake servers are small callables, as in httpx's own tests. Backoff sleeps go to a list instead of
the clock, so every retry test runs in no wall time and can assert the exact delays.
"""

from __future__ import annotations

import email.utils
import gzip
import json
import pickle
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import pulumi_huggingface
from pulumi_huggingface.client import (
    MAX_RESPONSE_BYTES,
    EndpointsClient,
    RetryEvent,
    RetryPolicy,
)
from pulumi_huggingface.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)

TOKEN = "hf_clientTestTokenDoNotLeak"
API = "https://api.example.test/v2"
HUB = "https://hub.example.test"
ENDPOINT = {"name": "bert", "status": {"state": "running"}}

Handler = Callable[[httpx.Request], httpx.Response]


class FakeServer:
    """Answers each request from a script (one entry per request, the last one repeating).

    An entry is a response, an exception to raise (a transport failure), or a callable of the request.
    Every request is recorded with its body already read.
    """

    def __init__(self, *script: httpx.Response | Exception | Handler) -> None:
        self.script = list(script)
        self.requests: list[httpx.Request] = []
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        with self._lock:
            self.requests.append(request)
            entry = self.script[min(len(self.requests), len(self.script)) - 1]
        if isinstance(entry, Exception):
            raise entry
        if callable(entry) and not isinstance(entry, httpx.Response):
            return entry(request)
        return entry


def ok(body: Any = ENDPOINT, **kwargs: Any) -> httpx.Response:
    return httpx.Response(200, json=body, **kwargs)


def make_client(server: Handler, *, sleeps: list[float] | None = None, **kwargs: Any) -> EndpointsClient:
    return EndpointsClient(
        token=TOKEN,
        api_url=API,
        hub_url=HUB,
        transport=httpx.MockTransport(server),
        sleep=(sleeps if sleeps is not None else []).append,
        **kwargs,
    )


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


# -- the wall ---------------------------------------------------------------------------------


def test_http_layer_imports_no_pulumi() -> None:
    """The client, errors and settings modules import nothing from Pulumi, even transitively.

    `import pulumi_huggingface.client` would first run the package's `__init__`, which imports the
    resource and therefore pulumi, and prove nothing. So a fresh interpreter registers the package
    as a bare namespace (its `__path__` only, `__init__` not executed), imports the three modules
    through the normal import system, and reports whether any `pulumi` module got loaded. Any
    import of pulumi, direct or through another module of the package, shows up.
    """
    package_dir = Path(pulumi_huggingface.__file__).parent
    script = f"""
import sys, types
package = types.ModuleType("pulumi_huggingface")
package.__path__ = [{str(package_dir)!r}]
sys.modules["pulumi_huggingface"] = package
import pulumi_huggingface.errors, pulumi_huggingface.client, pulumi_huggingface.settings
loaded = sorted(name for name in sys.modules if name == "pulumi" or name.startswith("pulumi."))
print(",".join(loaded))
print("httpx" in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)

    pulumi_modules, httpx_loaded = result.stdout.splitlines()
    assert pulumi_modules == ""
    assert httpx_loaded == "True"  # the probe did import the client


# -- what goes on the wire ----------------------------------------------------------------------


PAYLOAD = {"name": "bert", "model": {"repository": "acme/bert", "task": None}, "tags": ["a"]}


@pytest.mark.parametrize(
    ("call", "method", "url", "sent"),
    [
        pytest.param(
            lambda c: c.get_endpoint("acme", "bert"), "GET", f"{API}/endpoint/acme/bert", None, id="get"
        ),
        pytest.param(
            lambda c: c.create_endpoint("acme", PAYLOAD), "POST", f"{API}/endpoint/acme", PAYLOAD, id="create"
        ),
        pytest.param(
            lambda c: c.update_endpoint("acme", "bert", {"compute": {"scaling": {"maxReplica": 2}}}),
            "PUT",
            f"{API}/endpoint/acme/bert",
            {"compute": {"scaling": {"maxReplica": 2}}},
            id="update",
        ),
        pytest.param(
            lambda c: c.pause_endpoint("acme", "bert"),
            "POST",
            f"{API}/endpoint/acme/bert/pause",
            None,
            id="pause",
        ),
        pytest.param(
            lambda c: c.resume_endpoint("acme", "bert"),
            "POST",
            f"{API}/endpoint/acme/bert/resume",
            None,
            id="resume",
        ),
        pytest.param(
            lambda c: c.scale_to_zero_endpoint("acme", "bert"),
            "POST",
            f"{API}/endpoint/acme/bert/scale-to-zero",
            None,
            id="scale-to-zero",
        ),
        pytest.param(
            lambda c: c.list_hardware("acme"), "GET", f"{API}/provider/acme", None, id="list-hardware"
        ),
        pytest.param(lambda c: c.whoami(), "GET", f"{HUB}/api/whoami-v2", None, id="whoami"),
    ],
)
def test_each_call_sends_exact_method_url_body_and_headers(
    call: Callable[[EndpointsClient], Any], method: str, url: str, sent: Any
) -> None:
    # Every answer here is a whole endpoint, which the endpoint calls insist on.
    answer = {**ENDPOINT, "echo": True}
    server = FakeServer(ok(answer))

    result = call(make_client(server))

    (request,) = server.requests
    assert (request.method, str(request.url)) == (method, url)
    assert body_of(request) == sent
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"].startswith(f"pulumi-huggingface/{pulumi_version()} httpx/")
    if sent is None:
        assert request.content == b""
        assert "content-type" not in request.headers
    else:
        assert request.headers["content-type"] == "application/json"
    assert result == answer


def pulumi_version() -> str:
    from importlib import metadata

    return metadata.version("pulumi-huggingface")


def test_delete_sends_delete_and_accepts_empty_object() -> None:
    server = FakeServer(ok({}))

    assert make_client(server).delete_endpoint("acme", "bert") is None
    (request,) = server.requests
    assert (request.method, str(request.url)) == ("DELETE", f"{API}/endpoint/acme/bert")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    "response",
    [httpx.Response(200, content=b""), httpx.Response(204), httpx.Response(202, text="accepted")],
    ids=["200-empty", "204", "202-text"],
)
def test_delete_accepts_any_success_body(response: httpx.Response) -> None:
    make_client(FakeServer(response)).delete_endpoint("acme", "bert")


def test_delete_of_a_missing_endpoint_raises_not_found_for_the_caller_to_judge() -> None:
    server = FakeServer(httpx.Response(404, json={"error": "Endpoint not found"}))

    with pytest.raises(NotFoundError, match="Endpoint not found"):
        make_client(server).delete_endpoint("acme", "bert")
    assert len(server.requests) == 1


def test_path_segments_are_quoted_so_they_cannot_change_the_route() -> None:
    server = FakeServer(ok())

    make_client(server).get_endpoint("my org", "a/b?c#d")

    assert server.requests[0].url.raw_path == b"/v2/endpoint/my%20org/a%2Fb%3Fc%23d"


@pytest.mark.parametrize("name", ["", ".", ".."])
def test_segments_that_url_normalisation_would_collapse_are_refused(name: str) -> None:
    server = FakeServer(ok())

    with pytest.raises(ConfigurationError, match="endpoint name"):
        make_client(server).get_endpoint("acme", name)
    assert server.requests == []


def test_api_url_with_trailing_slash_and_prefix_is_joined_cleanly() -> None:
    server = FakeServer(ok())

    EndpointsClient(
        token=TOKEN, api_url="http://127.0.0.1:8080/emulator/v2/", transport=httpx.MockTransport(server)
    ).get_endpoint("acme", "bert")

    assert str(server.requests[0].url) == "http://127.0.0.1:8080/emulator/v2/endpoint/acme/bert"


def test_extra_user_agent_tokens_are_appended() -> None:
    server = FakeServer(ok())

    make_client(server, user_agent="pulumi/3.140.0").get_endpoint("acme", "bert")

    agent = server.requests[0].headers["user-agent"]
    assert agent.startswith("pulumi-huggingface/")
    assert agent.endswith(" pulumi/3.140.0")


def test_gzip_encoded_answer_is_decoded() -> None:
    server = FakeServer(
        httpx.Response(
            200,
            content=gzip.compress(json.dumps(ENDPOINT).encode()),
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )
    )

    assert make_client(server).get_endpoint("acme", "bert") == ENDPOINT


# -- pagination ---------------------------------------------------------------------------------


def test_list_follows_next_cursor_until_there_is_none() -> None:
    def pages(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        if cursor is None:
            return ok({"items": [{"name": "a"}, {"name": "b"}], "nextCursor": "c2"})
        if cursor == "c2":
            return ok({"items": [{"name": "c"}], "nextCursor": "c3"})
        return ok({"items": [{"name": "d"}], "nextCursor": None})

    server = FakeServer(pages)

    items = make_client(server).list_endpoints("acme")

    assert [item["name"] for item in items] == ["a", "b", "c", "d"]
    assert [str(r.url) for r in server.requests] == [
        f"{API}/endpoint/acme",
        f"{API}/endpoint/acme?cursor=c2",
        f"{API}/endpoint/acme?cursor=c3",
    ]


def test_list_of_a_single_page_without_cursor() -> None:
    server = FakeServer(ok({"items": []}))

    assert make_client(server).list_endpoints("acme") == []
    assert len(server.requests) == 1


def test_list_refuses_a_cursor_that_comes_back() -> None:
    server = FakeServer(ok({"items": [{"name": "a"}], "nextCursor": "same"}))

    with pytest.raises(UnexpectedResponseError, match="pagination would loop"):
        make_client(server).list_endpoints("acme")
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    "page", [{}, {"items": {"a": 1}}, {"items": ["a"]}], ids=["no-items", "dict", "strings"]
)
def test_list_without_an_items_array_of_objects_is_unexpected(page: dict[str, Any]) -> None:
    with pytest.raises(UnexpectedResponseError, match="items"):
        make_client(FakeServer(ok(page))).list_endpoints("acme")


# -- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (418, ApiError),
        (422, BadRequestError),
        (429, RateLimitedError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
        (301, UnexpectedResponseError),
    ],
    ids=lambda value: str(value) if isinstance(value, int) else value.__name__,
)
def test_status_becomes_its_exception_with_the_server_message_and_no_token(
    status: int, cls: type[ApiError]
) -> None:
    server = FakeServer(httpx.Response(status, json={"error": "what the server said"}))
    client = make_client(server)

    with pytest.raises(ApiError) as info:
        client.update_endpoint("acme", "bert", {"model": {"env": {"SECRET_ENV": "s3cr3t"}}})

    error = info.value
    assert type(error) is cls
    assert "what the server said" in str(error)
    verb = "answered" if cls is UnexpectedResponseError else "failed with"
    assert str(error).startswith(f"PUT /v2/endpoint/acme/bert {verb} {status} ")
    for text in (str(error), repr(error), repr(client)):
        assert TOKEN not in text
        assert "s3cr3t" not in text


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_client_errors_are_not_retried(status: int) -> None:
    server = FakeServer(httpx.Response(status))
    sleeps: list[float] = []

    with pytest.raises(ApiError):
        make_client(server, sleeps=sleeps).get_endpoint("acme", "bert")
    assert len(server.requests) == 1
    assert sleeps == []


def test_redirect_is_not_followed_so_the_token_never_leaves_for_another_host() -> None:
    server = FakeServer(httpx.Response(302, headers={"Location": "https://evil.test/steal"}), ok())

    with pytest.raises(UnexpectedResponseError, match="redirect"):
        make_client(server).get_endpoint("acme", "bert")
    assert [r.url.host for r in server.requests] == ["api.example.test"]


def test_token_echoed_by_the_server_is_blanked_out() -> None:
    server = FakeServer(httpx.Response(401, json={"error": f"token {TOKEN} is invalid"}))

    with pytest.raises(AuthenticationError) as info:
        make_client(server).get_endpoint("acme", "bert")
    assert TOKEN not in str(info.value)
    assert "token *** is invalid" in str(info.value)


@pytest.mark.parametrize(
    ("response", "problem"),
    [
        pytest.param(httpx.Response(200, text="{not json"), "malformed JSON", id="malformed"),
        pytest.param(
            httpx.Response(200, html="<!DOCTYPE html><html><body>Sign in</body></html>"),
            "an HTML page instead of JSON",
            id="html-200",
        ),
        pytest.param(ok(["a", "b"]), "a JSON array instead of an object", id="array"),
        pytest.param(ok("text"), "a JSON string instead of an object", id="string"),
        pytest.param(httpx.Response(200, content=b"null"), "a JSON null instead of an object", id="null"),
        pytest.param(httpx.Response(200, content=b""), "an empty body instead of a JSON object", id="empty"),
        pytest.param(httpx.Response(200, content=b"[" * 200_000), "malformed JSON", id="deeply-nested"),
    ],
)
def test_answer_that_is_not_a_json_object_is_unexpected(response: httpx.Response, problem: str) -> None:
    with pytest.raises(UnexpectedResponseError) as info:
        make_client(FakeServer(response)).get_endpoint("acme", "bert")

    error = info.value
    assert error.problem == problem
    assert error.status_code == 200
    assert str(error).startswith(f"GET /v2/endpoint/acme/bert answered 200 OK with {problem}.")
    assert "Sign in" not in str(error)


def test_declared_oversized_body_is_refused_before_reading() -> None:
    response = httpx.Response(200, headers={"Content-Length": str(MAX_RESPONSE_BYTES + 1)}, content=b"{}")

    with pytest.raises(UnexpectedResponseError, match="larger than 8 MiB"):
        make_client(FakeServer(response)).get_endpoint("acme", "bert")


def test_streamed_oversized_body_is_cut_off_without_reading_it_all() -> None:
    produced: list[int] = []

    def endless() -> Iterator[bytes]:
        chunk = b" " * (1024 * 1024)
        for index in range(1000):
            produced.append(index)
            yield chunk

    with pytest.raises(UnexpectedResponseError, match="larger than 8 MiB"):
        make_client(FakeServer(lambda _: httpx.Response(200, content=endless()))).get_endpoint("acme", "bert")
    assert len(produced) <= 10


# -- retries ---------------------------------------------------------------------------------


def test_server_error_then_success_is_retried_and_counted() -> None:
    server = FakeServer(httpx.Response(502), ok())
    events: list[RetryEvent] = []
    sleeps: list[float] = []
    client = make_client(
        server, sleeps=sleeps, on_retry=events.append, retry=RetryPolicy(rng=random.Random(1))
    )

    assert client.get_endpoint("acme", "bert") == ENDPOINT

    assert len(server.requests) == 2
    expected_delay = random.Random(1).uniform(0.0, 0.5)
    assert sleeps == [expected_delay]
    assert events == [
        RetryEvent(
            "GET", "/endpoint/{namespace}/{name}", 1, "HTTP 502", expected_delay, 6, "endpoint acme/bert"
        )
    ]
    stats = client.stats
    assert stats.requests == {("GET", "/endpoint/{namespace}/{name}"): 2}
    assert stats.retries == 1
    assert stats.retries_by_cause == {"HTTP 502": 1}
    assert stats.total_requests == 2


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.get_endpoint("acme", "bert"), id="get"),
        pytest.param(lambda c: c.delete_endpoint("acme", "bert"), id="delete"),
        pytest.param(lambda c: c.list_endpoints("acme"), id="list"),
    ],
)
def test_idempotent_calls_retry_throttling_and_server_errors(
    call: Callable[[EndpointsClient], Any], status: int
) -> None:
    server = FakeServer(httpx.Response(status), ok({"items": [], **ENDPOINT}))

    call(make_client(server))

    assert len(server.requests) == 2


NOT_IDEMPOTENT = [
    pytest.param(lambda c: c.update_endpoint("acme", "bert", {"tags": []}), id="put"),
    pytest.param(lambda c: c.pause_endpoint("acme", "bert"), id="pause"),
    pytest.param(lambda c: c.resume_endpoint("acme", "bert"), id="resume"),
    pytest.param(lambda c: c.scale_to_zero_endpoint("acme", "bert"), id="scale-to-zero"),
]


@pytest.mark.parametrize("call", NOT_IDEMPOTENT)
def test_calls_that_redeploy_retry_throttling(call: Callable[[EndpointsClient], Any]) -> None:
    """A 429 means the server did not act: sending the call again is safe."""
    server = FakeServer(httpx.Response(429), ok(ENDPOINT))

    call(make_client(server))

    assert len(server.requests) == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@pytest.mark.parametrize("call", NOT_IDEMPOTENT)
def test_calls_that_redeploy_raise_a_server_error_at_once(
    call: Callable[[EndpointsClient], Any], status: int
) -> None:
    """A 5xx may come after the server acted: each PUT, pause or resume sent deploys, pauses or wakes
    the endpoint once more, so the caller looks before sending it again."""
    server = FakeServer(httpx.Response(status), ok(ENDPOINT))

    with pytest.raises(ServerError):
        call(make_client(server))

    assert len(server.requests) == 1


def test_retry_after_seconds_is_honoured() -> None:
    server = FakeServer(httpx.Response(429, headers={"Retry-After": "7"}), ok())
    sleeps: list[float] = []
    events: list[RetryEvent] = []

    make_client(server, sleeps=sleeps, on_retry=events.append).get_endpoint("acme", "bert")

    assert sleeps == [7.0]
    assert events[0].cause == "HTTP 429"
    assert str(events[0]) == "endpoint acme/bert: GET failed (HTTP 429), retrying in 7.0 s (attempt 2 of 6)"


def test_retry_after_as_a_far_http_date_is_raised_at_once() -> None:
    later = email.utils.formatdate(time.time() + 86_400, usegmt=True)
    server = FakeServer(httpx.Response(429, headers={"Retry-After": later}), ok())
    sleeps: list[float] = []

    with pytest.raises(RateLimitedError) as info:
        make_client(server, sleeps=sleeps).get_endpoint("acme", "bert")

    assert info.value.retry_after == pytest.approx(86_400, abs=60)
    assert sleeps == []


def test_retry_after_on_503_is_honoured_too() -> None:
    server = FakeServer(httpx.Response(503, headers={"Retry-After": "3"}), ok())
    sleeps: list[float] = []

    make_client(server, sleeps=sleeps).get_endpoint("acme", "bert")

    assert sleeps == [3.0]


def test_retry_after_beyond_the_cap_is_raised_at_once_carrying_the_delay() -> None:
    server = FakeServer(httpx.Response(429, headers={"Retry-After": "3600"}, json={"error": "quota"}), ok())
    sleeps: list[float] = []

    with pytest.raises(RateLimitedError) as info:
        make_client(server, sleeps=sleeps, retry=RetryPolicy(retry_after_max=120.0)).get_endpoint(
            "acme", "bert"
        )

    assert info.value.retry_after == 3600.0
    assert "3600 s" in str(info.value)
    assert sleeps == []
    assert len(server.requests) == 1


class CeilingRandom(random.Random):
    """Always draws the top of the range, exposing the backoff ceiling."""

    def uniform(self, a: float, b: float) -> float:
        return b


def test_backoff_doubles_up_to_its_cap() -> None:
    server = FakeServer(httpx.Response(503))
    sleeps: list[float] = []
    policy = RetryPolicy(max_attempts=8, backoff_initial=0.5, backoff_max=4.0, rng=CeilingRandom())

    with pytest.raises(ServerError):
        make_client(server, sleeps=sleeps, retry=policy).get_endpoint("acme", "bert")

    assert sleeps == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0]


def test_backoff_is_fully_jittered_and_repeatable_from_a_seed() -> None:
    def run(seed: int) -> list[float]:
        sleeps: list[float] = []
        policy = RetryPolicy(max_attempts=10, backoff_initial=1.0, backoff_max=8.0, rng=random.Random(seed))
        with pytest.raises(ServerError):
            make_client(FakeServer(httpx.Response(500)), sleeps=sleeps, retry=policy).get_endpoint(
                "acme", "bert"
            )
        return sleeps

    sleeps = run(7)

    ceilings = [min(8.0, 2.0**i) for i in range(9)]
    reference = random.Random(7)
    assert sleeps == [reference.uniform(0.0, ceiling) for ceiling in ceilings]
    assert all(0.0 <= delay <= ceiling for delay, ceiling in zip(sleeps, ceilings, strict=True))
    assert sleeps != ceilings
    assert run(7) == sleeps
    assert run(8) != sleeps


def test_giving_up_after_max_attempts_says_so() -> None:
    server = FakeServer(httpx.Response(503, json={"error": "overloaded"}))
    sleeps: list[float] = []

    with pytest.raises(ServerError) as info:
        make_client(server, sleeps=sleeps).get_endpoint("acme", "bert")

    assert len(server.requests) == 6
    assert len(sleeps) == 5
    assert info.value.attempts == 6
    assert "failed with 503 Service Unavailable after 6 attempts: overloaded." in str(info.value)


def test_network_failure_that_outlasts_the_retries_is_a_transport_error() -> None:
    server = FakeServer(httpx.ConnectError(f"connection refused (token {TOKEN})"))
    sleeps: list[float] = []

    with pytest.raises(TransportError) as info:
        make_client(server, sleeps=sleeps, retry=RetryPolicy(max_attempts=3)).get_endpoint("acme", "bert")

    error = info.value
    assert len(server.requests) == 3
    assert len(sleeps) == 2
    assert error.request_may_have_reached_server is False
    assert (error.method, error.path) == ("GET", "/v2/endpoint/acme/bert")
    assert "after 3 attempts" in str(error)
    assert "ConnectError" in str(error)
    assert TOKEN not in str(error)
    assert isinstance(error.__cause__, httpx.ConnectError)


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("slow"), httpx.ReadError("reset"), httpx.RemoteProtocolError("dropped")],
    ids=lambda exc: type(exc).__name__,
)
def test_get_retries_failures_after_sending(failure: Exception) -> None:
    server = FakeServer(failure, ok())
    client = make_client(server)

    assert client.get_endpoint("acme", "bert") == ENDPOINT
    assert client.stats.retries_by_cause == {type(failure).__name__: 1}


# -- create is not idempotent ---------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("slow"),
        httpx.ReadError("reset"),
        httpx.RemoteProtocolError("dropped"),
        httpx.WriteError("x"),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_create_is_not_retried_once_the_request_may_have_reached_the_server(failure: Exception) -> None:
    server = FakeServer(failure, ok())
    sleeps: list[float] = []

    with pytest.raises(TransportError) as info:
        make_client(server, sleeps=sleeps).create_endpoint("acme", PAYLOAD)

    assert len(server.requests) == 1
    assert sleeps == []
    assert info.value.request_may_have_reached_server is True
    assert "look the endpoint up before sending it again" in str(info.value)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_create_is_not_retried_after_a_server_error(status: int) -> None:
    server = FakeServer(httpx.Response(status, headers={"Retry-After": "1"}), ok())
    sleeps: list[float] = []

    with pytest.raises(ServerError):
        make_client(server, sleeps=sleeps).create_endpoint("acme", PAYLOAD)

    assert len(server.requests) == 1
    assert sleeps == []


def test_create_is_retried_after_throttling_with_the_same_body() -> None:
    server = FakeServer(httpx.Response(429, headers={"Retry-After": "2"}), ok())
    sleeps: list[float] = []

    assert make_client(server, sleeps=sleeps).create_endpoint("acme", PAYLOAD) == ENDPOINT

    assert [body_of(r) for r in server.requests] == [PAYLOAD, PAYLOAD]
    assert sleeps == [2.0]


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow connect"), httpx.PoolTimeout("pool full")],
    ids=lambda exc: type(exc).__name__,
)
def test_create_is_retried_after_a_failure_before_sending(failure: Exception) -> None:
    server = FakeServer(failure, ok())
    client = make_client(server)

    assert client.create_endpoint("acme", PAYLOAD) == ENDPOINT

    assert len(server.requests) == 2
    assert client.stats.requests == {("POST", "/endpoint/{namespace}"): 2}
    assert client.stats.retries_by_cause == {type(failure).__name__: 1}


def test_create_that_never_connects_reports_nothing_was_sent() -> None:
    server = FakeServer(httpx.ConnectError("refused"))

    with pytest.raises(TransportError) as info:
        make_client(server, retry=RetryPolicy(max_attempts=2)).create_endpoint("acme", PAYLOAD)

    assert info.value.request_may_have_reached_server is False
    assert len(server.requests) == 2


# -- construction, secrecy, threads ---------------------------------------------------------


def test_token_is_not_in_repr_and_client_refuses_pickling() -> None:
    client = make_client(FakeServer(ok()))

    assert TOKEN not in repr(client)
    assert repr(client) == f"EndpointsClient(api_url={API!r}, hub_url={HUB!r})"
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(client)


@pytest.mark.parametrize("token", ["", "   ", "hf_abc\nX-Injected: 1", "hf_ab c", "hf_é"])
def test_token_that_cannot_be_a_header_value_is_refused_without_echoing_it(token: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        EndpointsClient(token=token, transport=httpx.MockTransport(FakeServer(ok())))
    if token.strip():
        assert token not in str(info.value)


def test_surrounding_whitespace_of_a_token_is_stripped() -> None:
    server = FakeServer(ok())

    EndpointsClient(token=f"  {TOKEN}\n", transport=httpx.MockTransport(server)).get_endpoint("acme", "bert")

    assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_poll_interval_defaults_to_the_pace_of_hub_wait_and_keeps_what_it_is_given() -> None:
    """The client carries the cadence of the waits made through it; it never polls by itself."""
    assert EndpointsClient(token=TOKEN).poll_interval == 5.0
    assert EndpointsClient(token=TOKEN, poll_interval=0.2).poll_interval == 0.2


@pytest.mark.parametrize("interval", [0, -1.0, float("nan"), float("inf"), True, "5"])
def test_a_poll_interval_that_is_not_a_positive_number_is_refused(interval: Any) -> None:
    with pytest.raises(ConfigurationError, match="poll_interval must be a positive, finite number"):
        EndpointsClient(token=TOKEN, poll_interval=interval)


@pytest.mark.parametrize(
    "url", ["ftp://api.example.test", "api.example.test/v2", "https://", "https://h/v2?x=1"]
)
def test_malformed_api_url_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match="api_url"):
        EndpointsClient(token=TOKEN, api_url=url)


def test_retry_policy_rejects_nonsense() -> None:
    with pytest.raises(ConfigurationError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ConfigurationError, match="backoff_max"):
        RetryPolicy(backoff_max=-1.0)


def test_context_manager_closes_the_pool() -> None:
    with make_client(FakeServer(ok())) as client:
        client.get_endpoint("acme", "bert")

    with pytest.raises(RuntimeError):
        client.get_endpoint("acme", "bert")


def test_sixteen_threads_share_one_client() -> None:
    """Workers of the provider server share one client: answers must not cross and counters must add up."""
    first_attempts: set[str] = set()
    lock = threading.Lock()

    def server(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        with lock:
            fresh = name not in first_attempts
            first_attempts.add(name)
        if fresh:
            return httpx.Response(503)  # every name fails once, so retries interleave across threads
        return ok({"name": name, "status": {"state": "running"}, "auth": request.headers["authorization"]})

    client = make_client(server)
    threads_count, calls_each = 16, 25
    barrier = threading.Barrier(threads_count)
    results: dict[int, list[dict[str, Any]]] = {}
    failures: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait()
            results[index] = [client.get_endpoint("acme", f"ep-{index}-{n}") for n in range(calls_each)]
        except BaseException as exc:  # surfaced in the main thread below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    for index in range(threads_count):
        assert [r["name"] for r in results[index]] == [f"ep-{index}-{n}" for n in range(calls_each)]
        assert all(r["auth"] == f"Bearer {TOKEN}" for r in results[index])
    stats = client.stats
    assert stats.requests == {("GET", "/endpoint/{namespace}/{name}"): 2 * threads_count * calls_each}
    assert stats.retries_by_cause == {"HTTP 503": threads_count * calls_each}


def test_an_in_process_wsgi_app_serves_the_client() -> None:
    """The emulator runs in-process through `httpx.WSGITransport`; statuses map the same way there."""
    seen: list[tuple[str, str, str]] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], environ.get("HTTP_AUTHORIZATION", "")))
        found = environ["PATH_INFO"].endswith("/bert")
        body = json.dumps(ENDPOINT if found else {"error": "Endpoint not found"}).encode()
        start_response("200 OK" if found else "404 Not Found", [("Content-Type", "application/json")])
        return [body]

    client = EndpointsClient(
        token=TOKEN, api_url="http://emulator.test/v2", transport=httpx.WSGITransport(app=app)
    )

    assert client.get_endpoint("acme", "bert") == ENDPOINT
    with pytest.raises(NotFoundError, match="Endpoint not found"):
        client.get_endpoint("acme", "gone")
    assert seen == [
        ("GET", "/v2/endpoint/acme/bert", f"Bearer {TOKEN}"),
        ("GET", "/v2/endpoint/acme/gone", f"Bearer {TOKEN}"),
    ]


@pytest.mark.parametrize(
    ("api_url", "origin", "port"),
    [
        ("http://127.0.0.1:8765/v2", "http://127.0.0.1:8765", 8765),
        ("https://api.endpoints.test/v2", "https://api.endpoints.test", 443),
    ],
    ids=["explicit-port", "default-port"],
)
def test_a_refused_connection_names_the_url_and_port_it_tried(api_url: str, origin: str, port: int) -> None:
    """A wrong port in huggingface:apiUrl: the message shows the address, not only the host."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    client = EndpointsClient(
        token=TOKEN, api_url=api_url, hub_url=HUB, transport=httpx.MockTransport(refuse), sleep=[].append
    )

    with pytest.raises(TransportError) as caught:
        client.get_endpoint("acme", "bert")

    message = str(caught.value)
    assert f"to {origin} failed" in message
    assert f"port {port}" in message
