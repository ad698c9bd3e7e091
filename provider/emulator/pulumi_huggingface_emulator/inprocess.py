"""Serve the emulator in process to an httpx client, without a socket."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from .errors import EmulatedDisconnect

if TYPE_CHECKING:
    from .app import EmulatorApp


class EmulatorTransport(httpx.WSGITransport):
    """`httpx.WSGITransport` for an `EmulatorApp`, mapping a dropped connection to httpx's error.

    A sync httpx client cannot drive an ASGI app, so the emulator is WSGI and this is the way in.

    Args:
        app: The emulator to serve.
    """

    def __init__(self, app: EmulatorApp) -> None:
        super().__init__(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Serve one request; a fault that drops the connection raises RemoteProtocolError."""
        try:
            return super().handle_request(request)
        except EmulatedDisconnect as error:
            # What httpx raises when a real server closes the socket without answering.
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from error
