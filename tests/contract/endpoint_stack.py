"""What the endpoint scenarios share: the emulator, the SDK's provider server configured for it, programs.

Each scenario drives `InferenceEndpoint` the way `pulumi up` does: the program runs under the SDK's
mocks (`run_program`) to get exactly the inputs the engine would send (the `__provider` pickle
included), and the harness's deployment engine sends them to the SDK's own provider server
(`python -m pulumi.dynamic`) in a subprocess, configured with the stack config: the token as a
secret, `huggingface:apiUrl`/`huggingface:hubUrl` on an `EmulatorServer` on loopback, and a
`huggingface:pollInterval` of a fraction of a second, since waiting on a local emulator is only
ceremony (`test_smoke_inference_endpoint` keeps the default 5 s cadence covered). Assertions
about the endpoint itself are made with plain HTTP against the emulator, never through the provider.

`RecordingProviderServer` keeps every answer that came back over the wire, so a scenario can check
that the token and secret values never come back where they should not.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
from pulumi.runtime import rpc

from pulumi_huggingface import InferenceEndpoint
from pulumi_huggingface_emulator import EmulatorServer
from support import (
    CheckResponse,
    CreateResponse,
    Deployment,
    DiffResponse,
    ProviderServer,
    ReadResponse,
    RegisteredResource,
    ResourceState,
    run_program,
)

CONTRACT_DIR = Path(__file__).resolve().parent
REPO_ROOT = CONTRACT_DIR.parents[1]
TYPE = "pulumi-python:dynamic/huggingface:InferenceEndpoint"
# Distinctive, so a leak anywhere is found by a plain substring search.
TOKEN = "hf_contractTokenQ7xW2mZ9"
SECRET_KEYS = ("huggingface:token",)
# The emulator's user, which whoami answers for any token: the default namespace.
NAMESPACE = "emulator-user"
# Short, but not zero: the POST and PUT answers show `pending`/`updating`, so the provider really
# waits, over a few polls (`POLL_INTERVAL`), until the endpoint is running.
PROVISION_SECONDS = 0.5
# Seconds between the provider's status requests per endpoint it waits for: against the emulator,
# where each answer takes milliseconds, there is nothing to gain from huggingface_hub's 5 s.
POLL_INTERVAL = "0.2"

# A small CPU endpoint the emulator's catalogue offers in every aws region (Sapphire Rapids), allowed
# to scale to zero.
BASE_INPUTS: Mapping[str, Any] = {
    "repository": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
    "framework": "pytorch",
    "task": "text-classification",
    "accelerator": "cpu",
    "vendor": "aws",
    "region": "us-east-1",
    "instance_type": "intel-spr",
    "instance_size": "x2",
    "min_replica": 0,
    "max_replica": 1,
    "scale_to_zero_timeout": 15,
}


def start_emulator(**settings: Any) -> EmulatorServer:
    """The emulator on a loopback port, accepting only `TOKEN`."""
    return EmulatorServer(token=TOKEN, provision_seconds=PROVISION_SECONDS, **settings)


def stack_config(emulator: EmulatorServer, *, poll_interval: str | None = POLL_INTERVAL) -> dict[str, str]:
    """The stack config `pulumi config set` would hold: the token (secret), the emulator's URLs and
    the polling cadence (None leaves `huggingface:pollInterval` unset: the provider's 5 s)."""
    config = {
        "huggingface:token": TOKEN,
        "huggingface:apiUrl": emulator.base_url,
        "huggingface:hubUrl": emulator.hub_url,
    }
    if poll_interval is not None:
        config["huggingface:pollInterval"] = poll_interval
    return config


class RecordingProviderServer(ProviderServer):
    """A `ProviderServer` that keeps every answer, as (method, answer), for leak checks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answers: list[tuple[str, Any]] = []
        self._answers_lock = threading.Lock()

    def _keep(self, method: str, answer: Any) -> None:
        with self._answers_lock:
            self.answers.append((method, answer))

    def check(self, *args: Any, **kwargs: Any) -> CheckResponse:
        answer = super().check(*args, **kwargs)
        self._keep("Check", answer)
        return answer

    def diff(self, *args: Any, **kwargs: Any) -> DiffResponse:
        answer = super().diff(*args, **kwargs)
        self._keep("Diff", answer)
        return answer

    def create(self, *args: Any, **kwargs: Any) -> CreateResponse:
        answer = super().create(*args, **kwargs)
        self._keep("Create", answer)
        return answer

    def read(self, *args: Any, **kwargs: Any) -> ReadResponse:
        answer = super().read(*args, **kwargs)
        self._keep("Read", answer)
        return answer

    def update(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        answer = super().update(*args, **kwargs)
        self._keep("Update", answer)
        return answer


def start_provider_server(
    emulator: EmulatorServer, cwd: Path = CONTRACT_DIR, *, poll_interval: str | None = POLL_INTERVAL
) -> RecordingProviderServer:
    """Start the SDK's provider server (environment scrubbed) and configure it as the engine does.

    A server about to be killed in the middle of a create should poll at the default cadence
    (``poll_interval=None``): its first poll then comes 5 s after the POST, so the create is surely
    still waiting when the kill lands, however slow the machine, as it would be against the real API.
    """
    server = RecordingProviderServer(cwd, project="contract", stack="dev")
    server.start()
    try:
        server.configure(stack_config(emulator, poll_interval=poll_interval), secret_keys=SECRET_KEYS)
    except BaseException:
        server.close()
        raise
    return server


def serve(emulator: EmulatorServer) -> Iterator[RecordingProviderServer]:
    """Yield a configured provider server and stop it afterwards (for module fixtures)."""
    server = start_provider_server(emulator)
    try:
        yield server
    finally:
        server.close()


def endpoint_program(resource_name: str = "ep", **inputs: Any) -> Callable[[], None]:
    """A Pulumi program declaring one endpoint: `BASE_INPUTS` overridden by `inputs` (None removes one)."""
    declared = {key: value for key, value in {**BASE_INPUTS, **inputs}.items() if value is not None}

    def program() -> None:
        InferenceEndpoint(resource_name, **declared)

    return program


def program_goals(
    emulator: EmulatorServer, program: Callable[[], None], *, preview: bool = False
) -> list[RegisteredResource]:
    """Run a program under the SDK's mocks with the stack config; return what the engine would receive."""
    return run_program(
        program,
        config=stack_config(emulator),
        secret_config_keys=SECRET_KEYS,
        project="contract",
        stack="dev",
        preview=preview,
    )


def goals(
    emulator: EmulatorServer, resource_name: str = "ep", *, preview: bool = False, **inputs: Any
) -> list[RegisteredResource]:
    """The registrations of `endpoint_program(resource_name, **inputs)`."""
    return program_goals(emulator, endpoint_program(resource_name, **inputs), preview=preview)


def only_resource(deployment: Deployment) -> ResourceState:
    """The one resource in state."""
    (resource,) = deployment.state.values()
    return resource


def split_id(id_: str) -> tuple[str, str]:
    """`<namespace>/<name>` as a pair."""
    namespace, _, name = id_.partition("/")
    return namespace, name


class EmulatorApi:
    """Plain HTTP against the emulator, bypassing the provider: what is really there, and drift.

    Args:
        emulator: The emulator.
    """

    def __init__(self, emulator: EmulatorServer) -> None:
        self._client = httpx.Client(
            base_url=emulator.base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10.0
        )

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def get(self, id_: str) -> dict[str, Any] | None:
        """The endpoint's JSON, or None when the API answers 404."""
        namespace, name = split_id(id_)
        response = self._client.get(f"/endpoint/{namespace}/{name}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def put(self, id_: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """PUT a partial update, as another client (or a colleague with curl) would."""
        namespace, name = split_id(id_)
        response = self._client.put(f"/endpoint/{namespace}/{name}", json=dict(body))
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    def delete(self, id_: str) -> None:
        """DELETE the endpoint behind the provider's back."""
        namespace, name = split_id(id_)
        self._client.delete(f"/endpoint/{namespace}/{name}").raise_for_status()

    def names(self, namespace: str = NAMESPACE) -> list[str]:
        """The names of the endpoints in a namespace."""
        response = self._client.get(f"/endpoint/{namespace}")
        response.raise_for_status()
        return sorted(item["name"] for item in response.json()["items"])


def mutating_requests(emulator: EmulatorServer) -> dict[str, int]:
    """Requests served per route, minus reads: what would change or create something."""
    by_route: dict[str, int] = emulator.app.request_counts()["byRoute"]
    return {route: count for route, count in by_route.items() if not route.startswith("GET ")}


def api_requests(emulator: EmulatorServer) -> int:
    """Every request the emulator served on the API (control routes are not counted)."""
    total: int = emulator.app.request_counts()["total"]
    return total


def plain(value: Any) -> Any:
    """A value with every secret marker removed (how state compares once decrypted)."""
    if rpc.is_rpc_secret(value):
        return plain(value["value"])
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def unwrapped_pickles(value: Any) -> list[bytes]:
    """Every `__provider` pickle found in a value, decoded from base64."""
    found: list[bytes] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "__provider":
                text = item["value"] if rpc.is_rpc_secret(item) else item
                found.append(base64.b64decode(text))
            else:
                found.extend(unwrapped_pickles(item))
    elif isinstance(value, (list, tuple)):
        for item in value:
            found.extend(unwrapped_pickles(item))
    return found


def exposed(value: Any, secret: str) -> list[str]:
    """Where `secret` appears in a value outside a secret marker, as readable paths."""
    found: list[str] = []

    def walk(item: Any, path: str) -> None:
        if rpc.is_rpc_secret(item):
            return
        if isinstance(item, Mapping):
            for key, inner in item.items():
                walk(inner, f"{path}.{key}")
        elif isinstance(item, (list, tuple)):
            for index, inner in enumerate(item):
                walk(inner, f"{path}[{index}]")
        elif isinstance(item, str) and secret in item:
            found.append(path or "<root>")

    walk(value, "")
    return found


def as_plain_data(answer: Any) -> Any:
    """An answer (dataclass, named tuple or dict) as nested plain data, secret markers kept."""
    if isinstance(answer, (CheckResponse, DiffResponse)):
        return {key: as_plain_data(value) for key, value in vars(answer).items()}
    if isinstance(answer, (CreateResponse, ReadResponse)):
        return {key: as_plain_data(value) for key, value in answer._asdict().items()}
    if isinstance(answer, Mapping):
        return {key: as_plain_data(value) for key, value in answer.items()}
    if isinstance(answer, (list, tuple)):
        return [as_plain_data(value) for value in answer]
    return answer


def leaks(server: RecordingProviderServer, secrets: Mapping[str, str]) -> list[str]:
    """Every place a secret value came back unmarked, or the token came back at all.

    Args:
        server: The server whose answers and stderr to search.
        secrets: Secret values by label; the token is always searched for, inside markers too.

    Returns:
        Readable findings; empty when nothing leaked.
    """
    found: list[str] = []
    for method, answer in list(server.answers):
        data = as_plain_data(answer)
        text = json.dumps(data, default=str)
        if TOKEN in text:
            found.append(f"{method} answer holds the token")
        for pickle in unwrapped_pickles(data):
            if TOKEN.encode() in pickle:
                found.append(f"{method} answer's __provider pickle holds the token")
            found.extend(
                f"{method} answer's __provider pickle holds {label}"
                for label, value in secrets.items()
                if value.encode() in pickle
            )
        for label, value in secrets.items():
            found.extend(f"{method} answer shows {label} unmarked at {path}" for path in exposed(data, value))
    stderr = server.stderr_text()
    found.extend(
        f"stderr shows {label}" for label, value in {"token": TOKEN, **secrets}.items() if value in stderr
    )
    return found
