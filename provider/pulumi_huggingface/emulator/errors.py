"""The error the emulator answers with, shaped like the real API's `ApiResponseError`."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An HTTP error answered as JSON `{"error": message}` (plus any `extra` keys).

    The real control plane answers `{"error": "..."}` (reference §4, [D] 2022 ref and 2023 spec);
    the data plane adds a `code` (reference §3, [O] spike), passed here through `extra`.

    Args:
        status: The HTTP status code.
        message: The text of the `error` key.
        headers: Extra response headers (e.g. `Retry-After`).
        extra: Extra top-level keys of the JSON body.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        """The JSON body of the error response."""
        return {"error": self.message, **self.extra}


def bad_request(message: str) -> ApiError:
    """A 400 for a request the server understood but refuses ("Bad Request: ..." wording, [O])."""
    return ApiError(400, f"Bad Request: {message}")


def parse_error(message: str) -> ApiError:
    """A 400 for a body that does not deserialise.

    The real server words these like Rust's serde behind axum: "Failed to parse the request body
    as JSON: model.task: expected value" ([D] huggingface_hub commit a3d9d8aa).
    """
    return ApiError(400, f"Failed to parse the request body as JSON: {message}")


class EmulatedDisconnect(ConnectionResetError):
    """Raised by the app when a fault drops the connection without a response.

    On the real server the socket is closed before this is raised, and Werkzeug treats a
    `ConnectionError` as a dropped connection. In process, `EmulatorApp.transport()` turns it
    into the error httpx raises for a server that hung up: `httpx.RemoteProtocolError`.
    """
