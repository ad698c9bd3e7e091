"""The one error hierarchy of pulumi_huggingface, and the one place HTTP statuses become exceptions.

Every exception the package raises derives from `HuggingFaceError`, so a caller can catch the
whole family, or one precise class (`NotFoundError` in `read` and `delete`). Messages say what
failed and what to do next. They never contain the token, a request body or a header value: they
end up in `pulumi up` output, CI logs and bug reports.

This module imports nothing from Pulumi.
"""

from __future__ import annotations

import email.utils
import json
import math
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

if TYPE_CHECKING:
    # At run time httpx is imported where it is needed, at the first API call: importing the
    # provider module (in the program, and in the plugin during a preview) should not pay for it.
    import httpx

__all__ = [
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "DeadlineExceededError",
    "EndpointFailedError",
    "EndpointOperationError",
    "FoundEndpointDiffersError",
    "HuggingFaceError",
    "NotFoundError",
    "PermissionDeniedError",
    "QuotaExceededError",
    "RateLimitedError",
    "ServerError",
    "TransportError",
    "UnexpectedResponseError",
    "error_class_for_status",
    "extract_server_message",
    "is_html",
    "parse_retry_after",
    "raise_for_status",
    "redact",
    "request_line",
    "truncate",
    "url_path",
]

# Long enough for any validation message the API sends, short enough that a proxy's error page
# or a stack trace in a 500 body does not flood the terminal.
MAX_SERVER_MESSAGE_CHARS = 500

HTML_INSTEAD_OF_JSON = "an HTML page instead of JSON"

_Error = TypeVar("_Error", bound="HuggingFaceError")


class HuggingFaceError(Exception):
    """Base class of every exception raised by pulumi_huggingface."""

    def __copy__(self: _Error) -> _Error:
        """Return an exception of the same class with the same message and attributes, no traceback.

        The one exception a shared poll ended in is raised in every thread waiting on it, each a
        copy; and the provider raises copies with secrets blanked out. Copied without calling the
        constructor, whose keyword-only arguments the message no longer holds.
        """
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.args = self.args
        return clone


class ConfigurationError(HuggingFaceError):
    """The provider is configured wrongly: no token, a malformed URL, an invalid client setting."""


class EndpointOperationError(HuggingFaceError):
    """An operation on an endpoint failed for a reason the provider found itself.

    A name already taken, hardware the catalogue does not offer, a create whose outcome cannot be
    established. The message names the endpoint and the next step.
    """


class FoundEndpointDiffersError(EndpointOperationError):
    """An endpoint found under the name differs from the declaration in inputs that cannot change in
    place: nothing was sent to it, and the message says what to do with it."""


class ApiError(HuggingFaceError):
    """The Inference Endpoints API (or the Hub) answered with an error.

    Attributes:
        status_code: The HTTP status of the answer.
        method: The HTTP method of the request, e.g. ``"PUT"``.
        path: The request path, without host or query string (the query may carry cursors).
        server_message: What the server said about the error, extracted and truncated, or None.
        retry_after: Seconds the server asked to wait (``Retry-After``), or None.
        attempts: How many times the request was sent before giving up (1 without retries).
    """

    #: The sentence appended to the message saying what to do next.
    hint: ClassVar[str] = "See the server's message above; if it persists, report it with this message."

    def __init__(
        self,
        *,
        status_code: int,
        method: str,
        path: str,
        server_message: str | None = None,
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        self.status_code = status_code
        self.method = method
        self.path = path
        self.server_message = server_message
        self.retry_after = retry_after
        self.attempts = attempts
        super().__init__(self._render())

    @property
    def reason(self) -> str:
        """The standard reason phrase of the status code, e.g. ``"Not Found"``."""
        import httpx

        return httpx.codes.get_reason_phrase(self.status_code) or "Unknown Status"

    def _render(self) -> str:
        head = f"{self.method} {self.path} failed with {self.status_code} {self.reason}"
        if self.attempts > 1:
            head += f" after {self.attempts} attempts"
        if self.server_message:
            head += f": {self.server_message}"
        return f"{_sentence(head)} {self._hint()}"

    def _hint(self) -> str:
        return self.hint


# The framework behind the API words a body it cannot read so (reference §4.1), then `<path>: <reason>`.
DESERIALIZE_PREFIX = "Failed to deserialize the JSON body into the target type: "


class BadRequestError(ApiError):
    """The API rejected the request as invalid (400, 422)."""

    hint = "Correct the value the server names and run again."

    @property
    def field_path(self) -> str | None:
        """The dotted API path a 422 points at (e.g. ``model.task``), or None."""
        message = self.server_message or ""
        if not message.startswith(DESERIALIZE_PREFIX):
            return None
        path, sep, _ = message.removeprefix(DESERIALIZE_PREFIX).partition(": ")
        return path if sep and path and " " not in path else None

    def _hint(self) -> str:
        path = self.field_path
        if path is None:
            return self.hint
        from pulumi_huggingface.schema import FIELDS

        matches = [
            (len(field.api_path), field.name)
            for field in FIELDS
            if field.api_path
            and (path == field.api_path or path.startswith((f"{field.api_path}.", f"{field.api_path}[")))
        ]
        where = (
            f"the input `{max(matches)[1]}` (API field `{path}`)" if matches else f"the API field `{path}`"
        )
        return f"The API could not read {where}: correct its value and run again."


class AuthenticationError(ApiError):
    """The API did not accept the token (401)."""

    hint = (
        "Check the Hugging Face token: set it with `pulumi config set --secret huggingface:token <token>` "
        "or the HF_TOKEN environment variable (tokens are listed at https://huggingface.co/settings/tokens)."
    )


class PermissionDeniedError(ApiError):
    """The token is valid but may not do this (403): no payment method, or no access to the namespace.

    The service words the first "Forbidden: Payment method required for namespace: <ns>" ([O]); the
    hint then says where to add one. Any other 403 is about access to the namespace.
    """

    hint = (
        "Check that the namespace is your user or an organization you belong to, that it has a payment "
        "method on file, and that a fine-grained token has the inference.endpoints.write scope."
    )

    @property
    def namespace(self) -> str | None:
        """The namespace the refused request was about, read from its path."""
        parts = [part for part in self.path.split("/") if part]
        for marker in ("endpoint", "provider"):
            if marker in parts and parts.index(marker) + 1 < len(parts):
                return parts[parts.index(marker) + 1]
        return None

    @property
    def payment_required(self) -> bool:
        """Whether the server said the namespace has no payment method."""
        return "payment method" in (self.server_message or "").lower()

    def _hint(self) -> str:
        namespace = self.namespace
        if namespace is None:
            return self.hint
        if self.payment_required:
            return (
                f"Add a payment method to {namespace} (https://huggingface.co/settings/billing for a user, "
                f"https://huggingface.co/organizations/{namespace}/settings/billing for an organization), "
                "or deploy to a namespace that has one with `namespace` on the endpoint or "
                "`pulumi config set huggingface:namespace <user-or-org>`."
            )
        return (
            f"The token may not act in {namespace}: use a namespace that is your user or an organization "
            f"you belong to, or a token of an account with access to {namespace} (a fine-grained token "
            f"needs the inference.endpoints.write scope on {namespace}); set the namespace with "
            "`namespace` on the endpoint or `pulumi config set huggingface:namespace <user-or-org>`."
        )


class NotFoundError(ApiError):
    """The namespace or endpoint does not exist (404)."""

    hint = (
        "Check the namespace and the endpoint name; if the endpoint was deleted outside Pulumi, "
        "`pulumi refresh` brings the stack's state in line."
    )


class ConflictError(ApiError):
    """The request conflicts with the current state: name taken, quota exceeded, endpoint busy (409)."""

    hint = (
        "The name may already be taken in this namespace, a quota may be exhausted, or the endpoint may be "
        "busy with another change: pick another name, free or raise the quota, or wait for the endpoint "
        "to settle and run again."
    )


class QuotaExceededError(ApiError):
    """A create, resume or update would take the namespace past an accelerator quota (409).

    Not a `ConflictError`: waiting for the endpoint to settle and sending the request again cannot
    help, so nothing treats it as an endpoint busy with another change.
    """

    hint = (
        "The namespace's accelerator quota for this hardware is used up: the API counts accelerators x "
        "max_replica of every endpoint that is not paused (scaled-to-zero ones count). Pause or delete "
        "endpoints on the same hardware, lower max_replica, or ask Hugging Face to raise the quota, "
        "then run again."
    )


class RateLimitedError(ApiError):
    """The API is rate limiting this token (429) and retrying did not help."""

    hint = "The API is rate limiting requests: wait a while and run again."

    def _hint(self) -> str:
        if self.retry_after is not None:
            return (
                f"The server asked to wait {_seconds(self.retry_after)} before trying again; run again then."
            )
        return self.hint


class ServerError(ApiError):
    """The API failed on its side (5xx) and retrying did not help, or retrying was unsafe."""

    hint = (
        "The Inference Endpoints API failed on its side: run again later, and check "
        "https://status.huggingface.co if it persists."
    )


class UnexpectedResponseError(ApiError):
    """The answer is not what the API sends: malformed or non-object JSON, an HTML page, a huge body.

    The status may be a success (an HTML login page served with 200 by a proxy, say).

    Attributes:
        problem: What was wrong with the answer, e.g. ``"an HTML page instead of JSON"``.
    """

    hint = (
        "Check that huggingface:apiUrl (or HF_ENDPOINTS_API_URL) and huggingface:hubUrl (or HF_ENDPOINT) "
        "point at the Hugging Face APIs, and that no proxy answers in their place."
    )

    def __init__(
        self,
        *,
        status_code: int,
        method: str,
        path: str,
        problem: str,
        server_message: str | None = None,
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        self.problem = problem
        super().__init__(
            status_code=status_code,
            method=method,
            path=path,
            server_message=server_message,
            retry_after=retry_after,
            attempts=attempts,
        )

    def _render(self) -> str:
        head = f"{self.method} {self.path} answered {self.status_code} {self.reason} with {self.problem}"
        if self.server_message and self.server_message != self.problem:
            head += f": {self.server_message}"
        return f"{_sentence(head)} {self.hint}"


class TransportError(HuggingFaceError):
    """The request failed on the network (timeout, refused, reset, dropped) after any retries.

    Attributes:
        method: The HTTP method of the request.
        path: The request path, without host or query string.
        request_may_have_reached_server: False only when the failure happened before the request was
            sent (connecting, waiting for a pooled connection); True once it may have been sent, in
            which case a non-idempotent request (create) may have taken effect.
    """

    def __init__(
        self, message: str, *, method: str, path: str, request_may_have_reached_server: bool
    ) -> None:
        self.method = method
        self.path = path
        self.request_may_have_reached_server = request_may_have_reached_server
        super().__init__(message)


class EndpointFailedError(HuggingFaceError):
    """An endpoint reached a failed state (``failed`` or ``updateFailed``).

    Attributes:
        namespace: The endpoint's namespace.
        name: The endpoint's name.
        state: The state it reached.
        server_message: The endpoint's ``status.message``, if any.
    """

    def __init__(self, *, namespace: str, name: str, state: str, server_message: str | None = None) -> None:
        self.namespace = namespace
        self.name = name
        self.state = state
        self.server_message = server_message
        head = f"Inference endpoint {namespace}/{name} reached state {state}"
        if server_message:
            head += f": {truncate(server_message)}"
        super().__init__(
            f"{_sentence(head)} Read its logs at "
            f"https://endpoints.huggingface.co/{namespace}/endpoints/{name}, "
            "fix the model, image or hardware settings, and run again."
        )


class DeadlineExceededError(HuggingFaceError):
    """Waiting for an endpoint to settle ran past its deadline.

    Attributes:
        namespace: The endpoint's namespace.
        name: The endpoint's name.
        last_state: The last state observed, or None if none was.
        waited_seconds: How long the wait lasted.
        outage: What kept the wait from seeing the endpoint at its end, if the API failed then (say
            "the API could not be reached for the last 40 s (...)"); None if the polls succeeded.
    """

    def __init__(
        self,
        *,
        namespace: str,
        name: str,
        last_state: str | None,
        waited_seconds: float,
        outage: str | None = None,
    ) -> None:
        self.namespace = namespace
        self.name = name
        self.last_state = last_state
        self.waited_seconds = waited_seconds
        self.outage = outage
        state = last_state if last_state is not None else "unknown"
        head = f"Inference endpoint {namespace}/{name} did not settle within {_seconds(waited_seconds)}"
        if outage:
            # The endpoint may well have settled: the wait could not see it.
            message = (
                f"{head} (last state seen: {state}): {outage}. Once the API answers again, run "
                "`pulumi refresh` to see what became of the endpoint, then run again."
            )
        else:
            message = (
                f"{head} (last state: {state}). It keeps changing on Hugging Face's side: run "
                "`pulumi refresh` once it has settled, or allow a longer wait."
            )
        super().__init__(message)


_STATUS_CLASSES: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: BadRequestError,
    429: RateLimitedError,
}


def error_class_for_status(status_code: int) -> type[ApiError]:
    """Return the exception class for an error status.

    Args:
        status_code: An HTTP status that is not a success.

    Returns:
        The class `raise_for_status` raises for it. Unlisted 4xx map to `ApiError` itself; 1xx and
        3xx (redirects are never followed) map to `UnexpectedResponseError`.
    """
    if status_code in _STATUS_CLASSES:
        return _STATUS_CLASSES[status_code]
    if 500 <= status_code <= 599:
        return ServerError
    if 400 <= status_code <= 499:
        return ApiError
    return UnexpectedResponseError


def raise_for_status(response: httpx.Response, *, secrets: Iterable[str] = (), attempts: int = 1) -> None:
    """Raise the `ApiError` subclass matching the response's status; return if it is a success.

    This is the one place that maps HTTP statuses to exception classes. The response body must
    have been read (the client reads it, capped, before calling this).

    Args:
        response: An answer from the API.
        secrets: Strings (the token) to blank out of the server's message, should a server echo one.
        attempts: How many times the request was sent, for the message.

    Raises:
        ApiError: The matching subclass for any status outside 2xx.
    """
    if response.is_success:
        return
    method, path = request_line(response)
    status = response.status_code
    cls = error_class_for_status(status)
    message = extract_server_message(response)
    if message is not None:
        message = redact(message, secrets)
        if status == 409 and "quota" in message.lower():
            # "Conflict: Quota exceeded" ([O]): no amount of waiting for the endpoint fixes it.
            cls = QuotaExceededError
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if cls is UnexpectedResponseError:
        location = " (a redirect, which is not followed)" if response.is_redirect else ""
        raise UnexpectedResponseError(
            status_code=status,
            method=method,
            path=path,
            problem=f"an unexpected status{location}",
            server_message=message,
            retry_after=retry_after,
            attempts=attempts,
        )
    raise cls(
        status_code=status,
        method=method,
        path=path,
        server_message=message,
        retry_after=retry_after,
        attempts=attempts,
    )


def request_line(response: httpx.Response) -> tuple[str, str]:
    """Return the method and the path (no host, no query) of the request a response answers."""
    try:
        request = response.request
    except RuntimeError:
        return "?", "?"
    return request.method, url_path(request.url)


def url_path(url: httpx.URL) -> str:
    """Return the path of a URL, percent-encoded as sent, without host or query string."""
    return url.raw_path.split(b"?", 1)[0].decode("ascii", errors="replace")


def extract_server_message(response: httpx.Response) -> str | None:
    """Extract what the server said about an error, as huggingface_hub's ``hf_raise_for_status`` does.

    Sources, in order: the ``X-Error-Message`` header; a JSON body's ``error`` (a string or a list),
    ``error_description`` and ``errors[].message``; else a short excerpt of a text body. An HTML page
    is reported as ``"an HTML page instead of JSON"`` rather than dumped.

    Args:
        response: An answer whose body has been read.

    Returns:
        The messages, deduplicated, joined with ``"; "`` and truncated, or None if there are none.
    """
    parts: list[str] = []
    header = response.headers.get("X-Error-Message")
    if header:
        parts.append(header)
    import httpx

    try:
        body = response.content
    except httpx.ResponseNotRead:
        body = b""
    text = body.decode(response.encoding or "utf-8", errors="replace") if body else ""
    if text.strip():
        parsed: Any
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            # RecursionError: a pathologically nested body (`[[[[...`) is not an error message either.
            if is_html(response, text):
                parts.append(HTML_INSTEAD_OF_JSON)
            else:
                parts.append(text)
        else:
            parts.extend(_messages_from_json(parsed, text))
    cleaned = [" ".join(str(part).split()) for part in parts]
    unique = list(dict.fromkeys(part for part in cleaned if part))
    if not unique:
        return None
    return truncate("; ".join(unique))


def _messages_from_json(data: Any, text: str) -> list[str]:
    if not isinstance(data, dict):
        # A bare JSON string or list is still what the server said.
        return [text]
    found: list[str] = []
    error = data.get("error")
    description = data.get("error_description")
    if isinstance(error, list):
        found.extend(str(item) for item in error)
    elif error is not None and description is not None:
        # OAuth style: {"error": "invalid_grant", "error_description": "..."}
        found.append(f"{error}: {description}")
    elif error is not None:
        found.append(str(error) if not isinstance(error, dict) else json.dumps(error))
    elif description is not None:
        found.append(str(description))
    errors = data.get("errors")
    if isinstance(errors, list):
        for item in errors:
            if isinstance(item, dict) and "message" in item:
                found.append(str(item["message"]))
    if not found and isinstance(data.get("message"), str):
        found.append(data["message"])
    return found


def is_html(response: httpx.Response, text: str) -> bool:
    """Tell whether a body is an HTML page (by content type, or by its first tag)."""
    if "html" in response.headers.get("Content-Type", "").lower():
        return True
    head = text.lstrip()[:15].lower()
    return head.startswith("<!doctype html") or head.startswith("<html")


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Parse a ``Retry-After`` header: delay-seconds or an HTTP date.

    Args:
        value: The header's value, or None.
        now: The current time as a Unix timestamp (for tests); defaults to ``time.time()``.

    Returns:
        Seconds to wait (0 for a date in the past), or None if absent or unparseable.
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        # RFC 9110 HTTP dates are always GMT.
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def truncate(text: str, limit: int = MAX_SERVER_MESSAGE_CHARS) -> str:
    """Shorten text to ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each non-empty secret in text with ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 10 else f"{value:.1f} s"
