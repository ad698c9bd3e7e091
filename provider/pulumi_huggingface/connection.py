"""The provider's hold on the API: the stack config, the settings resolved from it, the client
built lazily from them, and the namespace a declaration leaves out.

The provider server calls the provider from several threads at once, and the engine may configure
it again while calls run: a new configuration takes effect for calls made from then on, and the
client it replaces is closed only once no call is running, since a call that took it may still be
waiting on it.

This module imports nothing from Pulumi; the client (and httpx under it) is imported at the first
API call, which check and diff never make.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pulumi_huggingface import waiting
from pulumi_huggingface.errors import EndpointOperationError
from pulumi_huggingface.settings import Settings, require_token, resolve_settings

if TYPE_CHECKING:
    import httpx

    from pulumi_huggingface.client import EndpointsClient, RetryEvent

__all__ = ["ApiConnection", "ClientFactory"]

ClientFactory = Callable[[Settings], "EndpointsClient"]


class ApiConnection:
    """The settings and the API client of one provider, built lazily from its configuration.

    Thread-safe.

    Args:
        transport: The httpx transport of the client; None for real HTTP.
        client_factory: Builds the client from the resolved settings instead of `EndpointsClient`.
        clock: The time source and sleep of the client's retries.
        environ: The environment to read credentials from; None for ``os.environ``.
        on_retry: Receives the client's retry events.
    """

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None,
        client_factory: ClientFactory | None,
        clock: waiting.Clock,
        environ: Mapping[str, str] | None,
        on_retry: Callable[[RetryEvent], None],
    ) -> None:
        self._transport = transport
        self._client_factory = client_factory
        self._clock = clock
        self._environ = environ
        self._on_retry = on_retry
        self._lock = threading.Lock()
        self._owner_lock = threading.Lock()
        self._config: dict[str, Any] = {}
        self._settings: Settings | None = None
        self._client: EndpointsClient | None = None
        self._owner: str | None = None
        # Calls running now, and clients a new configuration replaced: those are closed only once
        # no call is running.
        self._calls_in_flight = 0
        self._retired: list[EndpointsClient] = []

    def configure(self, config: Mapping[str, Any]) -> None:
        """Use this stack config (namespaced keys such as ``huggingface:token``) from now on.

        Nothing is resolved here, so a missing token fails only at the first API call. The same
        config again changes nothing.
        """
        with self._lock:
            if dict(config) == self._config:
                return
            self._config = dict(config)
            self._settings = None
            self._owner = None
            if self._client is not None:
                self._retired.append(self._client)
            self._client = None
            idle = self._take_idle_retired()
        for client in idle:
            client.close()

    @contextlib.contextmanager
    def call(self) -> Iterator[None]:
        """Count a provider call as running, so no client it may use is closed under it."""
        with self._lock:
            self._calls_in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                self._calls_in_flight -= 1
                idle = self._take_idle_retired()
            for client in idle:
                client.close()

    def _take_idle_retired(self) -> list[EndpointsClient]:
        """Hand over the replaced clients if no call is running any more (under `_lock`)."""
        if self._calls_in_flight:
            return []
        idle, self._retired = self._retired, []
        return idle

    @property
    def resolved(self) -> Settings | None:
        """The settings, if a call has resolved them yet (None before: nothing is resolved eagerly)."""
        return self._settings

    def settings(self) -> Settings:
        """Resolve the settings from the config and the environment, once per configuration."""
        with self._lock:
            if self._settings is None:
                environ = self._environ if self._environ is not None else os.environ
                self._settings = resolve_settings(self._config, environ)
            return self._settings

    def client(self) -> EndpointsClient:
        """Return the API client, built at the first call after each configuration."""
        settings = self.settings()
        with self._lock:
            if self._client is None:
                if self._client_factory is not None:
                    self._client = self._client_factory(settings)
                else:
                    from pulumi_huggingface.client import EndpointsClient

                    self._client = EndpointsClient(
                        token=require_token(settings),
                        api_url=settings.api_url,
                        hub_url=settings.hub_url,
                        # Every wait through this client polls at this cadence (`waiting.watcher_for`).
                        poll_interval=settings.poll_interval,
                        clock=self._clock.now,
                        transport=self._transport,
                        sleep=self._clock.sleep,
                        # Under rate limits or an outage a deployment slows down: say why, as it
                        # happens, without a line per retry.
                        on_retry=self._on_retry,
                    )
            return self._client

    def namespace(self, declared: Any) -> str:
        """The declared namespace, else the configured one, else the token's owner (asked once)."""
        if isinstance(declared, str) and declared:
            return declared
        settings = self.settings()
        if settings.namespace:
            return settings.namespace
        client = self.client()
        # A lock of its own: concurrent creates ask whoami once, without blocking on the client lock.
        with self._owner_lock:
            if self._owner is None:
                name = client.whoami().get("name")
                if not isinstance(name, str) or not name:
                    raise EndpointOperationError(
                        "Could not tell which namespace to use: the token's owner has no name. "
                        "Set `namespace` "
                        "on the endpoint or `pulumi config set huggingface:namespace <user-or-org>`."
                    )
                self._owner = name
            return self._owner

    def split_id(self, id_: str) -> tuple[str, str]:
        """Split a resource id, ``<namespace>/<name>`` or a bare name, into namespace and name."""
        namespace, sep, name = id_.partition("/")
        if not sep:
            # `InferenceEndpoint.get(..., id="name")`: the namespace comes from config or the token.
            return self.namespace(None), id_
        if not namespace or not name or "/" in name:
            raise EndpointOperationError(f"{id_!r} is not an endpoint id: use '<namespace>/<name>'.")
        return namespace, name
