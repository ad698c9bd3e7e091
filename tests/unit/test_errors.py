"""The error hierarchy: which class each status becomes, and what its message says.

`raise_for_status` is the one place statuses become exceptions, so `read` and `delete` can catch
`NotFoundError` precisely. Messages end up in `pulumi up` output and CI logs: they must carry the
server's words and a next step, and never a token.
"""

from __future__ import annotations

import copy
import email.utils

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pulumi_huggingface.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    DeadlineExceededError,
    EndpointFailedError,
    HuggingFaceError,
    NotFoundError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
    extract_server_message,
    parse_retry_after,
    raise_for_status,
)

TOKEN = "hf_errorsTestTokenDoNotLeak"


def answer(
    status: int,
    *,
    method: str = "GET",
    url: str = "https://api.example.test/v2/endpoint/acme/bert",
    **kwargs: object,
) -> httpx.Response:
    """A read response to a request, as the client hands it to raise_for_status."""
    return httpx.Response(status, request=httpx.Request(method, url), **kwargs)  # type: ignore[arg-type]


def raised(response: httpx.Response, **kwargs: object) -> ApiError:
    with pytest.raises(ApiError) as info:
        raise_for_status(response, **kwargs)  # type: ignore[arg-type]
    return info.value


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (405, ApiError),
        (409, ConflictError),
        (410, ApiError),
        (422, BadRequestError),
        (429, RateLimitedError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
        (599, ServerError),
        (302, UnexpectedResponseError),
        (304, UnexpectedResponseError),
    ],
    ids=lambda value: str(value) if isinstance(value, int) else value.__name__,
)
def test_each_error_status_maps_to_exactly_one_class(status: int, cls: type[ApiError]) -> None:
    error = raised(answer(status, json={"error": "the server's words"}))

    assert type(error) is cls
    assert error.status_code == status
    assert error.server_message == "the server's words"
    assert "the server's words" in str(error)


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_success_statuses_raise_nothing(status: int) -> None:
    assert raise_for_status(answer(status, content=b"")) is None


def test_message_names_method_path_status_server_words_and_next_step() -> None:
    error = raised(
        answer(
            409, method="POST", url="https://api.example.test/v2/endpoint/acme", json={"error": "Name taken"}
        )
    )

    assert str(error) == f"POST /v2/endpoint/acme failed with 409 Conflict: Name taken. {ConflictError.hint}"
    assert (error.method, error.path, error.reason) == ("POST", "/v2/endpoint/acme", "Conflict")


def test_path_has_no_host_and_no_query_string() -> None:
    error = raised(answer(404, url="https://api.example.test/v2/endpoint/acme?cursor=secretcursor"))

    assert error.path == "/v2/endpoint/acme"
    assert "api.example.test" not in str(error)
    assert "secretcursor" not in str(error)


def test_path_keeps_percent_encoding_of_quoted_segments() -> None:
    error = raised(answer(404, url="https://api.example.test/v2/endpoint/a%2Fb/c%20d"))

    assert error.path == "/v2/endpoint/a%2Fb/c%20d"


def test_message_without_server_words_ends_with_the_hint() -> None:
    error = raised(answer(404, content=b""))

    assert error.server_message is None
    assert str(error) == f"GET /v2/endpoint/acme/bert failed with 404 Not Found. {NotFoundError.hint}"


def test_authentication_hint_says_how_to_set_a_token() -> None:
    text = str(raised(answer(401, json={"error": "Invalid credentials in Authorization header"})))

    assert "Invalid credentials in Authorization header" in text
    assert "pulumi config set --secret huggingface:token" in text
    assert "HF_TOKEN" in text


def test_permission_hint_names_namespace_payment_and_token_scope() -> None:
    text = str(raised(answer(403, json={"error": "Forbidden: not allowed"})))

    assert "The token may not act in acme" in text
    assert "inference.endpoints.write" in text
    assert "huggingface:namespace" in text


def test_payment_method_refusal_says_where_to_add_one() -> None:
    """The service's verbatim 403 for a namespace without a payment method."""
    error = raised(
        answer(
            403, json={"error": "Forbidden: Payment method required for namespace: acme", "code": "FORBIDDEN"}
        )
    )

    assert isinstance(error, PermissionDeniedError) and error.payment_required
    assert "Add a payment method to acme" in str(error)
    assert "https://huggingface.co/organizations/acme/settings/billing" in str(error)


def test_quota_409_is_its_own_class_not_a_busy_conflict() -> None:
    error = raised(answer(409, json={"error": "Conflict: Quota exceeded", "code": "CONFLICT"}))

    assert isinstance(error, QuotaExceededError) and not isinstance(error, ConflictError)
    assert isinstance(raised(answer(409, json={"error": "Conflict: busy"})), ConflictError)


def test_a_422_names_the_input_it_points_at() -> None:
    """The framework's text/plain 422 names an API path; the hint names the input behind it."""
    text = (
        "Failed to deserialize the JSON body into the target type: model.task: unknown variant `chat`, "
        "expected one of `custom`, `text-generation` at line 1 column 200"
    )
    error = raised(answer(422, text=text, headers={"Content-Type": "text/plain"}))

    assert isinstance(error, BadRequestError) and error.field_path == "model.task"
    assert "The API could not read the input `task` (API field `model.task`)" in str(error)


def test_rate_limit_carries_retry_after_and_says_how_long() -> None:
    error = raised(answer(429, headers={"Retry-After": "600"}, json={"error": "slow down"}))

    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 600.0
    assert "600 s" in str(error)


def test_attempts_appear_in_the_message_when_retried() -> None:
    error = raised(answer(503, text="busy"), attempts=6)

    assert error.attempts == 6
    assert str(error).startswith(
        "GET /v2/endpoint/acme/bert failed with 503 Service Unavailable after 6 attempts: busy."
    )


def test_redirect_is_reported_as_unexpected_without_following_it() -> None:
    error = raised(answer(302, headers={"Location": "https://elsewhere.test/login"}))

    assert isinstance(error, UnexpectedResponseError)
    assert "redirect" in error.problem


def test_secrets_are_blanked_out_of_a_server_message_that_echoes_them() -> None:
    error = raised(answer(400, json={"error": f"bad token {TOKEN}"}), secrets=[TOKEN])

    assert TOKEN not in str(error)
    assert TOKEN not in repr(error)
    assert error.server_message == "bad token ***"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param({"headers": {"X-Error-Message": "from header"}}, "from header", id="x-error-message"),
        pytest.param({"json": {"error": "plain"}}, "plain", id="error-string"),
        pytest.param({"json": {"error": ["first", "second"]}}, "first; second", id="error-list"),
        pytest.param(
            {"json": {"error": "invalid_grant", "error_description": "expired"}},
            "invalid_grant: expired",
            id="oauth-error-and-description",
        ),
        pytest.param(
            {"json": {"error_description": "only description"}}, "only description", id="description"
        ),
        pytest.param(
            {"json": {"errors": [{"message": "m1"}, {"message": "m2"}, {"code": 3}]}},
            "m1; m2",
            id="errors-list",
        ),
        pytest.param({"json": {"message": "a message field"}}, "a message field", id="message-field"),
        pytest.param({"text": "Gateway went away"}, "Gateway went away", id="plain-text"),
        pytest.param({"json": "a bare JSON string"}, '"a bare JSON string"', id="bare-json-string"),
        pytest.param(
            {"headers": {"X-Error-Message": "same"}, "json": {"error": "same"}}, "same", id="deduplicated"
        ),
        pytest.param(
            {"json": {"error": "line one\n   line two"}}, "line one line two", id="whitespace-collapsed"
        ),
        pytest.param({"content": b""}, None, id="empty-body"),
        pytest.param({"json": {}}, None, id="empty-object"),
    ],
)
def test_server_message_is_extracted_like_huggingface_hub(
    kwargs: dict[str, object], expected: str | None
) -> None:
    response = answer(400, **kwargs)

    assert extract_server_message(response) == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param(
            {
                "headers": {"Content-Type": "text/html"},
                "content": b"<html><body><h1>Bad gateway</h1></body></html>",
            },
            id="by-content-type",
        ),
        pytest.param({"text": "\n  <!DOCTYPE html><html><script>secret()</script></html>"}, id="by-doctype"),
    ],
)
def test_html_page_is_named_not_dumped(kwargs: dict[str, object]) -> None:
    error = raised(answer(502, **kwargs))

    assert error.server_message == "an HTML page instead of JSON"
    assert "<" not in str(error)


def test_long_server_message_is_truncated() -> None:
    message = extract_server_message(answer(500, text="x" * 5000))

    assert message is not None
    assert len(message) == 500
    assert message.endswith("…")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        ("1.5", 1.5),
        ("0", 0.0),
        (" 12 ", 12.0),
        ("-1", None),
        ("nan", None),
        ("inf", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_in_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_retry_after_as_http_date_counts_from_now() -> None:
    now = 1_700_000_000.0
    header = email.utils.formatdate(now + 42, usegmt=True)

    assert parse_retry_after(header, now=now) == pytest.approx(42.0)


def test_retry_after_as_past_http_date_means_no_wait() -> None:
    now = 1_700_000_000.0

    assert parse_retry_after(email.utils.formatdate(now - 300, usegmt=True), now=now) == 0.0


@pytest.mark.parametrize(
    "cls",
    [
        ConfigurationError,
        ApiError,
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        ConflictError,
        RateLimitedError,
        ServerError,
        UnexpectedResponseError,
        TransportError,
        EndpointFailedError,
        DeadlineExceededError,
    ],
    ids=lambda cls: cls.__name__,
)
def test_every_error_is_a_huggingface_error(cls: type[Exception]) -> None:
    assert issubclass(cls, HuggingFaceError)


@pytest.mark.parametrize(
    "error",
    [
        NotFoundError(
            status_code=404, method="GET", path="/v2/endpoint/a/b", server_message="gone", attempts=2
        ),
        UnexpectedResponseError(status_code=200, method="GET", path="/v2/x", problem="malformed JSON"),
        TransportError("GET /v2/x failed", method="GET", path="/v2/x", request_may_have_reached_server=True),
        EndpointFailedError(namespace="acme", name="bert", state="failed", server_message="OOM"),
        DeadlineExceededError(
            namespace="acme", name="bert", last_state="initializing", waited_seconds=1800.0
        ),
        DeadlineExceededError(
            namespace="acme",
            name="bert",
            last_state="updating",
            waited_seconds=120.0,
            outage="the API could not be reached for the last 40 s (TransportError: refused)",
        ),
    ],
    ids=lambda error: type(error).__name__ + ("-outage" if getattr(error, "outage", None) else ""),
)
def test_a_copy_of_an_error_has_its_class_message_and_attributes(error: HuggingFaceError) -> None:
    """The shared poller raises a copy in every waiting thread; the provider raises scrubbed copies."""
    clone = copy.copy(error)

    assert clone is not error
    assert type(clone) is type(error)
    assert str(clone) == str(error)
    assert vars(clone) == vars(error)


def test_endpoint_failed_names_endpoint_state_and_server_message() -> None:
    error = EndpointFailedError(
        namespace="acme", name="bert", state="updateFailed", server_message="CUDA OOM"
    )

    assert str(error).startswith("Inference endpoint acme/bert reached state updateFailed: CUDA OOM.")
    assert "https://endpoints.huggingface.co/acme/endpoints/bert" in str(error)


def test_deadline_exceeded_names_endpoint_last_state_and_wait() -> None:
    error = DeadlineExceededError(
        namespace="acme", name="bert", last_state="initializing", waited_seconds=1800.0
    )

    assert str(error).startswith(
        "Inference endpoint acme/bert did not settle within 1800 s (last state: initializing)."
    )


@given(
    status=st.integers(min_value=300, max_value=599),
    body=st.binary(max_size=2000),
    content_type=st.sampled_from(["application/json", "text/html", "text/plain; charset=latin-1", ""]),
    header=st.one_of(
        st.none(), st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=50)
    ),
)
def test_any_error_answer_becomes_an_api_error_with_a_bounded_message(
    status: int, body: bytes, content_type: str, header: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    if header is not None:
        headers["X-Error-Message"] = header
    response = answer(status, content=body, headers=headers)

    with pytest.raises(ApiError) as info:
        raise_for_status(response, secrets=[TOKEN])

    message = info.value.server_message
    assert message is None or 0 < len(message) <= 500
    assert "\n" not in str(info.value)
