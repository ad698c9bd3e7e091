"""The provider's unit tests on one model of the API: the in-process emulator.

`EmulatedApi` serves the provider from the emulator through httpx (no socket) and logs what the
provider sent; the emulator's switches, faults and clock set each scene, and `inspect` shows the
outcome. `HostileAnswers` scripts only what the emulator must never answer. A `FakeClock` moves
the emulator's clock when the provider sleeps, so waits cost no wall time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from pulumi.dynamic import Config, ConfigureRequest

from pulumi_huggingface.client import EndpointsClient
from pulumi_huggingface.provider import InferenceEndpointProvider
from pulumi_huggingface.waiting import Clock
from pulumi_huggingface_emulator import EmulatorApp
from pulumi_huggingface_emulator.catalog import Catalogue
from pulumi_huggingface_emulator.inprocess import EmulatorTransport
from pulumi_huggingface_emulator.payloads import resolve_revision

TOKEN = "hf_unit_test_token_9f8e7d6c5b4a"
NAMESPACE = "alice"
# The commit the emulator resolves the small endpoint's model at `main` to.
SHA = resolve_revision("openai-community/gpt2", "main")
CATALOGUE = {
    "vendors": [
        {
            "name": "aws",
            "status": "available",
            "regions": [
                {
                    "name": "us-east-1",
                    "label": "N. Virginia",
                    "status": "available",
                    "computes": [
                        {
                            "accelerator": "cpu",
                            "instanceType": "intel-icl",
                            "instanceSize": size,
                            "status": "available",
                        }
                        for size in ("x1", "x2", "x4", "x8")
                    ]
                    + [
                        {
                            "accelerator": "gpu",
                            "instanceType": gpu,
                            "instanceSize": "x1",
                            "status": "available",
                        }
                        for gpu in ("nvidia-t4", "nvidia-a10g", "nvidia-l4")
                    ],
                },
                {
                    "name": "eu-west-1",
                    "label": "Ireland",
                    "status": "available",
                    "computes": [
                        {
                            "accelerator": "cpu",
                            "instanceType": "intel-icl",
                            "instanceSize": "x2",
                            "status": "available",
                        }
                    ],
                },
            ],
        }
    ]
}


@dataclass
class Call:
    """One request the provider sent."""

    method: str
    path: str
    body: Any
    headers: httpx.Headers


Answer = Callable[[httpx.Request], httpx.Response]


class HostileAnswers:
    """Answers the emulator must never give (malformed JSON, wrong shapes, impossible states, an
    error that echoes the request), served in place of, or made out of, the emulator's own.

    Attributes:
        every: While set, `(path part, respond)`: every request whose path holds the part gets
            `respond`'s answer.
        rewrite: While set, every answer of the emulator passes through it.
    """

    def __init__(self) -> None:
        self._next: list[tuple[str, str, Answer]] = []
        self.every: tuple[str, Answer] | None = None
        self.rewrite: Callable[[httpx.Request, httpx.Response], httpx.Response] | None = None

    def answer_next(self, method: str, suffix: str, respond: Answer) -> None:
        """Answer the next `method` request whose path ends with `suffix` with `respond`."""
        self._next.append((method, suffix, respond))

    def take(self, request: httpx.Request) -> Answer | None:
        """The scripted answer for `request` (one of `answer_next` is used up); None to let the
        emulator answer."""
        path = request.url.path
        for index, (method, suffix, respond) in enumerate(self._next):
            if method == request.method and path.endswith(suffix):
                del self._next[index]
                return respond
        if self.every is not None and self.every[0] in path:
            return self.every[1]
        return None


class EmulatedApi:
    """The in-process emulator as the provider's unit tests use it: the user `alice` (member of
    `acme-org`), the token `TOKEN`, `CATALOGUE` for hardware, and a log of what the provider sent.

    Args:
        **settings: Emulator settings (see `pulumi_huggingface_emulator.Settings`).

    Attributes:
        app: The emulator: its switches, faults and `inspect` give and show the situations.
        calls: Every request the provider sent, in order.
        hostile: Answers no real API gives, served before the emulator sees the request.
        client: A client of the emulator outside the provider (its requests are not logged), for
            setting scenes as another user would.
    """

    def __init__(self, **settings: Any) -> None:
        self.app = EmulatorApp(
            token=TOKEN,
            user=NAMESPACE,
            orgs=("acme-org",),
            catalogue=Catalogue.from_listing(CATALOGUE),
            **settings,
        )
        self.calls: list[Call] = []
        self.hostile = HostileAnswers()
        self._meanwhile: list[tuple[str, str, Callable[[], None]]] = []
        self._emulator = EmulatorTransport(self.app)
        self.client = httpx.Client(
            base_url="http://emulator.test",
            transport=self._emulator,
            headers={"Authorization": f"Bearer {TOKEN}"},
        )

    def transport(self) -> httpx.MockTransport:
        """The provider's transport: it logs each request, then serves it from `hostile` or the
        emulator."""
        return httpx.MockTransport(self._serve)

    def _serve(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.calls.append(Call(request.method, request.url.path, body, request.headers))
        respond = self.hostile.take(request)
        if respond is not None:
            return respond(request)
        for index, (method, suffix, act) in enumerate(self._meanwhile):
            if method == request.method and request.url.path.endswith(suffix):
                del self._meanwhile[index]
                act()
                break
        response = self._emulator.handle_request(request)
        if self.hostile.rewrite is not None:
            response.read()
            return self.hostile.rewrite(request, response)
        return response

    def meanwhile(self, method: str, suffix: str, act: Callable[[], None]) -> None:
        """Run `act` (someone else's doing, through `client` or `app`) just before the provider's next
        `method` request whose path ends with `suffix` reaches the emulator."""
        self._meanwhile.append((method, suffix, act))

    def calls_of(self, method: str) -> list[Call]:
        """The logged requests with this method, to the endpoint routes."""
        return [call for call in self.calls if call.method == method and "/endpoint/" in call.path]

    def exists(self, name: str, namespace: str = NAMESPACE) -> bool:
        """Whether the emulator holds the endpoint."""
        return self.app.inspect(namespace, name) is not None

    def stored(self, name: str, namespace: str = NAMESPACE) -> dict[str, Any]:
        """The endpoint's configuration as the emulator holds it (secrets unredacted)."""
        view = self.app.inspect(namespace, name)
        assert view is not None, f"{namespace}/{name} does not exist"
        config: dict[str, Any] = view["config"]
        return config

    def state(self, name: str, namespace: str = NAMESPACE) -> str:
        """The endpoint's state now."""
        view = self.app.inspect(namespace, name)
        assert view is not None, f"{namespace}/{name} does not exist"
        return str(view["state"])

    def seed(self, name: str, namespace: str = NAMESPACE, **overrides: Any) -> dict[str, Any]:
        """Create a running endpoint, as if made outside Pulumi; returns the API's answer."""
        body = endpoint_body(name)
        body.update(overrides)
        made = self.client.post(f"/v2/endpoint/{namespace}", json=body)
        assert made.status_code == 200, made.text
        self.app.drift(namespace, name, state="running")
        return dict(self.client.get(f"/v2/endpoint/{namespace}/{name}").json())

    def remove(self, name: str, namespace: str = NAMESPACE) -> None:
        """Delete an endpoint behind the provider's back."""
        assert self.client.delete(f"/v2/endpoint/{namespace}/{name}").status_code == 200


class FakeClock(Clock):
    """A clock that advances only when slept on, moving the emulator's clock with it (once
    `make_provider` links them), so provisioning and deadlines pass without wall time."""

    def __init__(self) -> None:
        self.time = 1000.0
        self.slept: list[float] = []
        self.app: EmulatorApp | None = None
        super().__init__(now=lambda: self.time, sleep=self._sleep)

    def _sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.time += seconds
        if self.app is not None:
            self.app.advance_clock(seconds)


def make_provider(
    api: EmulatedApi, *, clock: FakeClock | None = None, environ: dict[str, str] | None = None
) -> tuple[InferenceEndpointProvider, list[str], list[str]]:
    """A provider wired to `api` with a fake clock; returns it with its captured info and warn lines."""
    info: list[str] = []
    warn: list[str] = []
    clock = clock or FakeClock()
    clock.app = api.app
    provider = InferenceEndpointProvider(
        transport=api.transport(),
        clock=clock,
        environ={"HF_TOKEN": TOKEN} if environ is None else environ,
        info=info.append,
        warn=warn.append,
    )
    return provider, info, warn


EMULATOR_API = "http://emulator.test/v2"


def stack_config(token: str) -> dict[str, str]:
    """The stack config pointing a provider at the in-process emulator."""
    return {
        "huggingface:token": token,
        "huggingface:apiUrl": EMULATOR_API,
        "huggingface:hubUrl": "http://emulator.test",
    }


class EmulatedProvider:
    """A provider on the in-process emulator (`httpx.WSGITransport`) whose sleeps move the emulator's
    clock (a linked `FakeClock`), so deadlines and provisioning pass without wall time.

    Attributes:
        app: The emulator.
        provider: The provider, not yet configured (see `configure_stack`).
        clock: The fake clock, advanced only by the provider's sleeps; give it to another provider
            on the same emulator.
        info: The provider's progress and warning lines.
    """

    def __init__(self, app: EmulatorApp, *, environ: dict[str, str] | None = None) -> None:
        self.app = app
        self.clock = FakeClock()
        self.clock.app = app
        self.info: list[str] = []
        self.provider = InferenceEndpointProvider(
            transport=EmulatorTransport(app),
            clock=self.clock,
            environ=environ or {},
            info=self.info.append,
            warn=self.info.append,
        )

    @property
    def now(self) -> float:
        """The fake time in seconds."""
        return self.clock.time

    def sleep(self, seconds: float) -> None:
        """Let `seconds` pass, on the emulator too."""
        self.clock.sleep(seconds)

    def configure_stack(self, config: Mapping[str, str]) -> None:
        """Configure the provider as `pulumi up` does, with `config` as the stack config."""
        self.provider.configure(ConfigureRequest(Config(raw_config=dict(config), project_name="p")))


# A small CPU endpoint that both `CATALOGUE` and the built-in catalogue offer: the model and hardware of
# every provider test that does not vary them.
SMALL_CPU_ENDPOINT: Mapping[str, Any] = {
    "repository": "openai-community/gpt2",
    "framework": "pytorch",
    "task": "text-generation",
    "accelerator": "cpu",
    "instance_size": "x2",
    "instance_type": "intel-icl",
    "vendor": "aws",
    "region": "us-east-1",
}


def endpoint_body(name: str) -> dict[str, Any]:
    """A create body for a small CPU endpoint, in the API's JSON (as made outside Pulumi)."""
    return {
        "name": name,
        "type": "authenticated",
        "provider": {"vendor": "aws", "region": "us-east-1"},
        "compute": {
            "accelerator": "cpu",
            "instanceType": "intel-icl",
            "instanceSize": "x2",
            "scaling": {"minReplica": 1, "maxReplica": 1},
        },
        "model": {
            "repository": "openai-community/gpt2",
            "framework": "pytorch",
            "image": {"huggingface": {}},
        },
    }


def base_inputs(**overrides: Any) -> dict[str, Any]:
    """Valid inputs for a small CPU endpoint, as the resource sends them (before check)."""
    inputs: dict[str, Any] = {
        "__resource_name": "quickstart",
        **SMALL_CPU_ENDPOINT,
        "min_replica": 0,
        "max_replica": 1,
        "scale_to_zero_timeout": 15,
    }
    inputs.update(overrides)
    return inputs


class EmulatedStack(EmulatedProvider):
    """An `EmulatedProvider` configured as a stack on the emulator, with a plain client for setting
    scenes, and `checked` running check on a small CPU endpoint as the engine would.

    Attributes:
        client: A client of the emulator, outside the provider.
        declared: What `checked` declares before its overrides.
    """

    def __init__(self, app: EmulatorApp, *, token: str, declared: Mapping[str, Any]) -> None:
        super().__init__(app)
        self.configure_stack(stack_config(token))
        self.client = EndpointsClient(token=token, api_url=EMULATOR_API, transport=EmulatorTransport(app))
        self.declared = dict(declared)

    def checked(self, olds: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
        """The inputs check returns for `declared` with `overrides`; fails the test on any failure."""
        result = self.provider.check(olds or {}, {**self.declared, **overrides})
        assert result.failures == [], result.failures
        return result.inputs

    def sent(self, method: str, route: str) -> int:
        """How many requests reached `route` (e.g. `/v2/endpoint/{namespace}`) with `method`."""
        counts: dict[str, int] = self.app.request_counts()["byRoute"]
        return counts.get(f"{method} {route}", 0)
