"""The real provider path for the benchmarks: the SDK's provider server, configured against an emulator."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _common import NAMESPACE, TOKEN
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc

from pulumi_huggingface.provider import InferenceEndpointProvider
from pulumi_huggingface_emulator import EmulatorServer
from support import ProviderServer, make_urn

TYPE = "huggingface:index:InferenceEndpoint"


@contextmanager
def provider_server(emulator: EmulatorServer) -> Iterator[ProviderServer]:
    """`python -m pulumi.dynamic`, started and configured as `pulumi up` does, pointed at the emulator."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-program-") as program,
        ProviderServer(Path(program), call_timeout=None) as server,
    ):
        server.configure(
            {
                "huggingface:token": TOKEN,
                "huggingface:apiUrl": emulator.base_url,
                "huggingface:hubUrl": emulator.hub_url,
                "huggingface:namespace": NAMESPACE,
            },
            secret_keys=["huggingface:token"],
        )
        yield server


def provider_bag() -> dict[str, Any]:
    """The `__provider` input the program sends: the dill pickle, a secret as the SDK makes it."""
    return {"__provider": rpc.wrap_rpc_secret(serialize_provider(InferenceEndpointProvider()))}


def inputs(name: str) -> dict[str, Any]:
    """A program's inputs for one small CPU endpoint."""
    return {
        **provider_bag(),
        "name": name,
        "repository": "openai-community/gpt2",
        "framework": "pytorch",
        "task": "text-generation",
        "accelerator": "cpu",
        "instance_size": "x2",
        "instance_type": "intel-icl",
        "vendor": "aws",
        "region": "us-east-1",
    }


def urn(name: str) -> str:
    return make_urn(TYPE, name)


def check_and_create(server: ProviderServer, name: str) -> dict[str, Any]:
    """Check then Create one endpoint, as the engine does for a new resource; return its outputs."""
    checked = server.check(urn(name), {}, inputs(name))
    if checked.failures:
        raise RuntimeError(f"check rejected {name}: {checked.failures}")
    return server.create(urn(name), checked.inputs).outs


def peak_rss_kib(pid: int) -> int:
    """The process's peak resident set size (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM in /proc/{pid}/status")
