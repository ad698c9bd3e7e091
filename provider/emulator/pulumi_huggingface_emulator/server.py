"""Run the emulator as a real HTTP server on loopback, in a background thread."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from .app import EmulatorApp


class _RequestHandler(WSGIRequestHandler):
    """Werkzeug's handler, with the per-request access log made optional."""

    log_requests = False

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.log_requests:
            super().log_request(code, size)


class _LoggingRequestHandler(_RequestHandler):
    log_requests = True


class _Server(ThreadedWSGIServer):
    # socketserver's default backlog of 5 would stall bursts of concurrent clients.
    request_queue_size = 1024


def url_host(server: ThreadedWSGIServer) -> str:
    """The bound address as it goes in a URL (IPv6 in brackets)."""
    host = server.server_address[0]
    text = host.decode() if isinstance(host, bytes) else str(host)
    return f"[{text}]" if ":" in text else text


def make_emulator_server(
    host: str, port: int, app: EmulatorApp, *, log_requests: bool = False
) -> ThreadedWSGIServer:
    """A threaded Werkzeug server for `app`, bound and listening (port 0 picks a free port)."""
    handler = _LoggingRequestHandler if log_requests else _RequestHandler
    return _Server(host, port, app, handler=handler)


class EmulatorServer:
    """The emulator on a real loopback socket, served from a background thread.

    Starts at construction; use as a context manager or call `stop()`.

    Example:
        >>> with EmulatorServer(provision_seconds=0.2) as server:
        ...     server.base_url  # e.g. "http://127.0.0.1:41123/v2"

    Args:
        host: The address to bind, loopback by default.
        port: The port; 0 picks a free one.
        app: An existing app to serve; otherwise one is built from `app_options`.
        log_requests: Log each request to stderr, as Werkzeug does.
        **app_options: Keyword arguments of `EmulatorApp` (db_path, token, user, seed, settings...).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        app: EmulatorApp | None = None,
        log_requests: bool = False,
        **app_options: Any,
    ) -> None:
        self._owns_app = app is None
        self.app = app if app is not None else EmulatorApp(**app_options)
        self._server = make_emulator_server(host, port, self.app, log_requests=log_requests)
        self.host = url_host(self._server)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="hf-endpoints-emulator",
            daemon=True,
        )
        self._thread.start()
        self._stopped = False

    @property
    def hub_url(self) -> str:
        """The root URL, what `HF_ENDPOINT` would be (whoami is `{hub_url}/api/whoami-v2`)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base URL, what `INFERENCE_ENDPOINTS_ENDPOINT` would be (`{hub_url}/v2`)."""
        return f"{self.hub_url}/v2"

    @property
    def control_url(self) -> str:
        """The root of the control routes (`{hub_url}/_emulator`)."""
        return f"{self.hub_url}/_emulator"

    def stop(self) -> None:
        """Stop serving and release the port; closes the app's database if this server built it."""
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        if self._owns_app:
            self.app.close()

    def __enter__(self) -> EmulatorServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
