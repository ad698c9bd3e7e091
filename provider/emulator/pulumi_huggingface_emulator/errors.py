"""The errors the emulator answers with, shaped like the real API's.

Control-plane errors are JSON `{"error": "Reason: detail", "code": "REASON"}` ([O] reference §4.1:
"Control-plane errors carry a `code` beside `error`"). A body the server cannot deserialise is
answered the way the Rust framework behind the API answers it: 422 `text/plain` for a body of the
wrong shape, 400 `text/plain`-worded JSON for one that is not JSON at all, 415 for a body sent
without a JSON content type (reference §4.1, [I] strong).
"""

from __future__ import annotations

from typing import Any

# The `code` of each status, as the API spells it ([O] `FORBIDDEN`, `BAD_REQUEST`,
# `SERVICE_UNAVAILABLE`; the others follow the same pattern [I]).
CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "UNPROCESSABLE_ENTITY",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}

DESERIALIZE_PREFIX = "Failed to deserialize the JSON body into the target type: "
PARSE_PREFIX = "Failed to parse the request body as JSON: "
# axum's wording for a body without `Content-Type: application/json`.
MISSING_JSON_CONTENT_TYPE = "Expected request with `Content-Type: application/json`"


class ApiError(Exception):
    """An HTTP error answered as JSON `{"error": message, "code": CODE}` (plus any `extra` keys).

    Args:
        status: The HTTP status code.
        message: The text of the `error` key.
        headers: Extra response headers (e.g. `Retry-After`).
        extra: Extra top-level keys of the JSON body.
        plain: Answer `message` as `text/plain` instead of JSON, as the framework does for a body
            it cannot deserialise.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        plain: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.extra = extra or {}
        self.plain = plain

    def body(self) -> dict[str, Any]:
        """The JSON body of the error response."""
        return {"error": self.message, "code": CODES.get(self.status, "ERROR"), **self.extra}


class BodyError(ApiError):
    """A request body that does not deserialise into the endpoint type: 422, `text/plain`.

    The message ends with where the deserialiser stopped, `at line L column C`, which only the
    request's text can tell: `at` is the dotted path of the value (or object) it stopped after,
    and the app appends the position before answering.

    Attributes:
        at: The dotted path whose value's end is the reported position ("" for the whole body).
        detail: The text after the prefix, without the position.
    """

    def __init__(self, path: str, reason: str, *, at: str | None = None) -> None:
        self.at = path if at is None else at
        self.detail = f"{path}: {reason}" if path else reason
        super().__init__(422, DESERIALIZE_PREFIX + self.detail, plain=True)

    def located(self, line: int, column: int) -> ApiError:
        """The answer, with the position in the request's text."""
        return ApiError(422, f"{self.message} at line {line} column {column}", plain=True)


def bad_request(message: str) -> ApiError:
    """A 400 for a request the server understood but refuses ("Bad Request: ..." wording, [O])."""
    return ApiError(400, f"Bad Request: {message}")


def parse_error(message: str) -> ApiError:
    """A 400 for a body that is not JSON, or a `null` in a non-nullable enum field.

    Worded like the framework: "Failed to parse the request body as JSON: model.task: expected
    value" ([D] huggingface_hub commit a3d9d8aa).
    """
    return ApiError(400, PARSE_PREFIX + message)


def unsupported_media_type() -> ApiError:
    """The 415 for a body sent without `Content-Type: application/json`."""
    return ApiError(415, MISSING_JSON_CONTENT_TYPE, plain=True)


def forbidden(message: str) -> ApiError:
    """A 403 worded "Forbidden: ..." ([O] spike)."""
    return ApiError(403, f"Forbidden: {message}")


class EmulatedDisconnect(ConnectionResetError):
    """Raised by the app when a fault drops the connection without a response.

    On the real server the socket is closed before this is raised, and Werkzeug treats a
    `ConnectionError` as a dropped connection. In process, `EmulatorApp.transport()` turns it
    into the error httpx raises for a server that hung up: `httpx.RemoteProtocolError`.
    """
