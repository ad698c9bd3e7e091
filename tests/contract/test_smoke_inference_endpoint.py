"""A first end-to-end pass: the quickstart example through the real provider server and the emulator.

The program runs under the SDK's mocks (as `pulumi up` would run it), its registrations go through
the harness's deployment engine to the SDK's provider server, and the provider talks HTTP to the
emulator on loopback: preview, create, an in-place change, refresh and destroy.

Unlike the rest of the contract tier, this stack leaves `huggingface:pollInterval` unset: the
provider waits at its default cadence, one GET per endpoint per 5 s as huggingface_hub's `wait()`,
which is what runs against the real API.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pulumi.runtime import rpc

from pulumi_huggingface import InferenceEndpoint
from pulumi_huggingface_emulator import EmulatorServer
from support import Deployment, ProviderServer, StepOp, run_program

pytestmark = pytest.mark.contract

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart"
TOKEN = "hf_contract_smoke"
TYPE = "pulumi-python:dynamic/huggingface:InferenceEndpoint"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(token=TOKEN, provision_seconds=0.2) as server:
        yield server


@pytest.fixture(scope="module")
def stack_config(emulator: EmulatorServer) -> dict[str, str]:
    # No huggingface:pollInterval: the default cadence stays covered end to end.
    return {
        "huggingface:token": TOKEN,
        "huggingface:apiUrl": emulator.base_url,
        "huggingface:hubUrl": emulator.hub_url,
    }


@pytest.fixture(scope="module")
def server(stack_config: dict[str, str]) -> Iterator[ProviderServer]:
    with ProviderServer(QUICKSTART, project="quickstart") as provider_server:
        provider_server.configure(stack_config, secret_keys=["huggingface:token"])
        yield provider_server


def test_the_quickstart_previews_creates_changes_refreshes_and_destroys(
    server: ProviderServer, stack_config: dict[str, str]
) -> None:
    """The example's one endpoint goes through every step the CLI would take, against the emulator."""
    run = {"config": stack_config, "secret_config_keys": ["huggingface:token"], "project": "quickstart"}
    deployment = Deployment(server)

    preview = deployment.preview(run_program(QUICKSTART, preview=True, **run))
    (endpoint,) = run_program(QUICKSTART, **run)
    assert endpoint.type == TYPE
    assert preview.ops() == {endpoint.urn: StepOp.CREATE}
    assert {m for m, _ in preview.calls} == {"Check"}

    created = deployment.up([endpoint])
    assert created.ops() == {endpoint.urn: StepOp.CREATE}
    state = deployment.state[endpoint.urn]
    assert state.outputs["state"] == "running"
    assert TOKEN not in deployment.to_json()

    def slower_scale_down() -> None:
        # The example's endpoint with one in-place change.
        InferenceEndpoint(
            "quickstart",
            repository="distilbert/distilbert-base-uncased-finetuned-sst-2-english",
            framework="pytorch",
            task="text-classification",
            accelerator="cpu",
            vendor="aws",
            region="us-east-1",
            instance_type="intel-icl",
            instance_size="x2",
            min_replica=0,
            max_replica=1,
            scale_to_zero_timeout=30,
            tags=["quickstart"],
        )

    changed = deployment.preview(run_program(slower_scale_down, preview=True, **run))
    assert changed.ops() == {endpoint.urn: StepOp.UPDATE}
    assert "      ~ scale_to_zero_timeout: 15 => 30\n" in changed.render()

    deployment.up(run_program(slower_scale_down, **run))
    assert deployment.state[endpoint.urn].outputs["scale_to_zero_timeout"] == 30
    assert deployment.refresh()[endpoint.urn].op in (StepOp.SAME, StepOp.UPDATE)

    deployment.destroy()
    assert deployment.state == {}
    assert "Traceback" not in server.stderr_text()


def test_the_token_is_a_secret_in_what_the_program_sends(stack_config: dict[str, str]) -> None:
    """The provider pickle is secret; no endpoint input carries the token."""
    (endpoint,) = run_program(QUICKSTART, config=stack_config, secret_config_keys=["huggingface:token"])

    assert rpc.is_rpc_secret(endpoint.inputs["__provider"])
    assert TOKEN not in repr(endpoint.plain_inputs())
