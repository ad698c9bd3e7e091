"""Run a Pulumi program under the SDK's mocks and capture what the engine would receive.

`pulumi.runtime.set_mocks` replaces the engine's resource monitor with `MockMonitor`. A
`Mocks.new_resource` implementation only sees inputs after the mock monitor has deserialized them,
which pushes nested secret markers up to the enclosing object; so `run_program` hooks one level
lower, at `MockMonitor.RegisterResource`, which receives the `RegisterResourceRequest` exactly as the
program sends it to the engine: the inputs Struct with secret signature keys where the program
marked values secret, unknown sentinels where an input depends on an unknown output (preview), the
`__provider` pickle, and the resource options. The engine's own `Check` call is built from that
same Struct.

URNs are built the engine's way: a resource whose parent is the root stack gets no parent type in
its URN (`MockMonitor.make_urn` would prefix `pulumi:pulumi:Stack$`).

Each run happens on a fresh thread with its own event loop, so the SDK's context-local settings,
config and root stack start empty and never leak between runs or into the caller.
"""

from __future__ import annotations

import asyncio
import os
import re
import runpy
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.output import Unknown
from pulumi.runtime import mocks as sdk_mocks
from pulumi.runtime import rpc
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import run_pulumi_func

from support._values import PROVIDER_KEY, secret_paths, strip_secrets

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"

Program = Callable[[], None]


@dataclass(frozen=True)
class RegisteredResource:
    """One resource registration, as the engine receives it from the program.

    Attributes:
        type: Type token, such as "pulumi-python:dynamic/huggingface:InferenceEndpoint".
        name: Logical name.
        urn: URN, built as the engine builds it.
        inputs: The inputs the engine passes to the provider's `Check` (with `__provider`), secrets
            in the SDK's RPC form (`rpc.wrap_rpc_secret`) exactly where the program marked them,
            `Unknown` where a value is not known during a preview.
        secret_paths: Paths (keys, then nested keys or list indexes) of every secret in `inputs`.
        dependencies: URNs this resource depends on.
        custom: Whether it is a custom (provider-managed) resource.
        parent: The parent's URN ("" for the root stack).
        delete_before_replace: The `delete_before_replace` resource option.
        ignore_changes: The `ignore_changes` resource option.
        replace_on_changes: The `replace_on_changes` resource option.
        protect: The `protect` resource option.
        additional_secret_outputs: The `additional_secret_outputs` resource option.
        lookup_id: For a read (`Resource.get`), the id looked up; None for a registration.
        outputs: What the mocks returned as outputs.
    """

    type: str
    name: str
    urn: str
    inputs: dict[str, Any]
    secret_paths: list[tuple[str | int, ...]]
    dependencies: list[str] = field(default_factory=list)
    custom: bool = True
    parent: str = ""
    delete_before_replace: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    replace_on_changes: list[str] = field(default_factory=list)
    protect: bool = False
    additional_secret_outputs: list[str] = field(default_factory=list)
    lookup_id: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def secret_keys(self) -> set[str]:
        """Top-level input keys holding a secret anywhere inside them."""
        return {str(path[0]) for path in self.secret_paths if path}

    @property
    def provider_pickle(self) -> str:
        """The base64 dill pickle of the dynamic provider (the `__provider` input), unwrapped."""
        return str(strip_secrets(self.inputs[PROVIDER_KEY]))

    def plain_inputs(self) -> dict[str, Any]:
        """The inputs with secret markers removed and internal `__*` keys dropped."""
        return {k: strip_secrets(v) for k, v in self.inputs.items() if not k.startswith("__")}


def _from_wire(value: Any) -> Any:
    # Keeps secret markers where they are (rpc.deserialize_properties hoists nested ones).
    if isinstance(value, str) and value == rpc.UNKNOWN:
        return Unknown()  # type: ignore[no-untyped-call]
    if isinstance(value, dict):
        return {k: _from_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_wire(v) for v in value]
    return value


def struct_to_inputs(struct: struct_pb2.Struct) -> dict[str, Any]:
    """Convert a wire Struct to a property bag, keeping nested secret markers in place.

    Args:
        struct: A Struct as sent by the SDK.

    Returns:
        Plain values; secrets as `rpc.wrap_rpc_secret` dicts; `Unknown` for unknowns.
    """
    result = _from_wire(json_format.MessageToDict(struct))
    assert isinstance(result, dict)
    return result


class EchoMocks(pulumi.runtime.Mocks):
    """Mocks that answer each resource with its inputs as outputs, and id `<name>-id`.

    During a preview the id is left unknown and outputs are the inputs, which is what the engine
    hands back for a new dynamic resource (the SDK's provider server does not support provider
    previews, so the engine echoes the inputs instead of calling Create).
    """

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        """Echo the inputs."""
        return ("" if pulumi.runtime.is_dry_run() else f"{args.name}-id"), dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        """Answer every invoke with an empty result."""
        return {}, None


class _RecordingMonitor(sdk_mocks.MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.recorded: list[RegisteredResource] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        self._loops: list[asyncio.AbstractEventLoop] = []

    def _with_thread_loop(self) -> None:
        # The SDK calls the monitor from executor threads, and MockMonitor then creates an event loop
        # per thread that nothing ever closes (a ResourceWarning at exit). Give each such thread a loop
        # this monitor owns and closes at the end of the run.
        if getattr(self._local, "loop", None) is None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._local.loop = loop
            with self._lock:
                self._loops.append(loop)

    def close_loops(self) -> None:
        """Close the event loops made for the SDK's executor threads (they have finished)."""
        with self._lock:
            loops, self._loops = self._loops, []
        for loop in loops:
            loop.close()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        if parent and parent.split("::")[2].split("$")[-1] == ROOT_STACK_TYPE:
            parent = ""
        return super().make_urn(parent, type_, name)

    def _record(self, request: Any, urn: str, outputs: dict[str, Any], **extra: Any) -> None:
        inputs = struct_to_inputs(
            request.properties if extra.get("lookup_id") is not None else request.object
        )
        resource = RegisteredResource(
            type=request.type,
            name=request.name,
            urn=urn,
            inputs=inputs,
            secret_paths=sorted(secret_paths(inputs), key=lambda path: [str(step) for step in path]),
            dependencies=list(request.dependencies),
            parent=request.parent,
            additional_secret_outputs=list(request.additionalSecretOutputs),
            outputs=outputs,
            **extra,
        )
        with self._lock:
            self.recorded.append(resource)

    def Invoke(self, request: Any) -> Any:
        self._with_thread_loop()
        return super().Invoke(request)  # type: ignore[no-untyped-call]

    def RegisterResource(self, request: Any) -> Any:
        self._with_thread_loop()
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != ROOT_STACK_TYPE:
            self._record(
                request,
                response.urn,
                struct_to_inputs(response.object),
                custom=bool(request.custom),
                delete_before_replace=bool(request.deleteBeforeReplace),
                ignore_changes=list(request.ignoreChanges),
                replace_on_changes=list(request.replaceOnChanges),
                protect=bool(request.protect),
            )
        return response

    def ReadResource(self, request: Any) -> Any:
        self._with_thread_loop()
        response = super().ReadResource(request)  # type: ignore[no-untyped-call]
        self._record(request, response.urn, struct_to_inputs(response.properties), lookup_id=request.id)
        return response


def _project_name(folder: Path) -> str | None:
    # Pulumi.yaml's top-level `name:`; read by hand to avoid a YAML dependency.
    project_file = folder / "Pulumi.yaml"
    if not project_file.exists():
        return None
    match = re.search(r"^name:\s*['\"]?([^'\"\s#]+)", project_file.read_text(), re.MULTILINE)
    return match.group(1) if match else None


_cwd_lock = threading.Lock()


def run_program(
    program: Program | str | os.PathLike[str],
    *,
    config: Mapping[str, str] | None = None,
    secret_config_keys: Iterable[str] = (),
    project: str | None = None,
    stack: str = "stack",
    preview: bool = False,
    mocks: pulumi.runtime.Mocks | None = None,
) -> list[RegisteredResource]:
    """Run a Pulumi program under the SDK's mocks and return its resources in registration order.

    Args:
        program: A function that declares resources, or a Pulumi program folder holding
            `__main__.py` (run with that folder as cwd and first on `sys.path`, as the language
            host does; the cwd change is process-wide for the duration of the run).
        config: Stack config visible to `pulumi.Config` (namespaced keys such as
            "huggingface:token"; values as `pulumi config set` stores them, strings).
        secret_config_keys: Keys of `config` set with `--secret`.
        project: Project name; by default the folder's Pulumi.yaml `name`, else "project".
        stack: Stack name.
        preview: Run as `pulumi preview` does (`pulumi.runtime.is_dry_run()` is true).
        mocks: Outputs for each resource; `EchoMocks` by default.

    Returns:
        One `RegisteredResource` per registration or read, the root stack excluded.

    Raises:
        Exception: Whatever the program raised.
    """
    folder: Path | None = None
    if not callable(program):
        folder = Path(program).resolve()  # the run changes into it: a relative path must not be joined twice
        if not (folder / "__main__.py").is_file():
            raise FileNotFoundError(f"{folder} has no __main__.py")
    project_name = project or (folder and _project_name(folder)) or "project"
    secret_keys = list(secret_config_keys)
    missing = set(secret_keys) - set(config or {})
    if missing:
        raise ValueError(f"secret config keys not in config: {sorted(missing)}")
    monitor = _RecordingMonitor(mocks or EchoMocks())
    failure: list[BaseException] = []

    def body() -> None:
        if folder is not None:
            runpy.run_path(str(folder / "__main__.py"), run_name="__main__")
        else:
            assert callable(program)
            program()

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            set_all_config(dict(config or {}), secret_keys)
            pulumi.runtime.set_mocks(
                monitor.mocks, project=project_name, stack=stack, preview=preview, monitor=monitor
            )
            loop.run_until_complete(run_pulumi_func(body))
        except BaseException as error:
            failure.append(error)
        finally:
            set_all_config({}, [])
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
            asyncio.set_event_loop(None)
            loop.close()
            monitor.close_loops()

    if folder is not None:
        with _cwd_lock:
            previous = os.getcwd()
            os.chdir(folder)
            sys.path.insert(0, str(folder.resolve()))
            try:
                _run_on_fresh_thread(run)
            finally:
                sys.path.remove(str(folder.resolve()))
                os.chdir(previous)
    else:
        _run_on_fresh_thread(run)
    if failure:
        raise failure[0]
    return list(monitor.recorded)


def _run_on_fresh_thread(target: Callable[[], None]) -> None:
    # A new thread starts with an empty contextvars context: the SDK's settings, config and root stack
    # live there, so every run starts clean.
    thread = threading.Thread(target=target, name="pulumi-program")
    thread.start()
    thread.join()
