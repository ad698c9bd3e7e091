"""A stack made by the previous release keeps working, unchanged, under the current code.

The previous release's wheel is built inside the test from its git tag and installed into a fresh
virtualenv; there, its own harness runs the quickstart program through its own provider server
(`python -m pulumi.dynamic` on that virtualenv's interpreter) against the emulator, and writes the
stack's state, `__provider` pickles included. The current code then takes that state over, as
`pulumi up` does after `pip install --upgrade`: the same program previews with no change, the
update sends nothing, refresh finds no drift, an in-place change is one PUT, and destroy, which
unpickles the provider stored in state, leaves nothing on the API.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from endpoint_stack import (
    REPO_ROOT,
    SECRET_KEYS,
    EmulatorApi,
    only_resource,
    stack_config,
    start_emulator,
)
from pulumi.runtime import rpc

from pulumi_huggingface_emulator import EmulatorServer
from support import Deployment, ProviderServer, RegisteredResource, StepOp, run_program
from support._values import strip_secrets
from wheels import PREVIOUS_VERSION, run_in

pytestmark = pytest.mark.contract

PROJECT = "huggingface-quickstart"
STACK = "dev"
# Routes that change something on the API.
WRITES = ("POST ", "PUT ", "DELETE ")

# Run in the previous release's virtualenv: its harness, its provider server, its pickles.
OLD_UP = """
import json, sys
from pathlib import Path
from pulumi_huggingface.testing import Deployment, ProviderServer, run_program

folder, config_file, state_file = sys.argv[1:]
config = json.loads(Path(config_file).read_text())
keys = ["huggingface:token"]
with ProviderServer(folder, project="huggingface-quickstart", stack="dev") as server:
    server.configure(config, secret_keys=keys)
    deployment = Deployment(server)
    deployment.up(run_program(folder, config=config, secret_config_keys=keys, stack="dev"))
    Path(state_file).write_text(deployment.to_json())
"""


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with start_emulator() as server:
        yield server


def _writes(emulator: EmulatorServer) -> dict[str, int]:
    counts: dict[str, int] = emulator.app.request_counts()["byRoute"]
    return {route: n for route, n in counts.items() if route.startswith(WRITES)}


def _pickled_class(state_input: object) -> bytes:
    serialized = rpc.unwrap_rpc_secret(state_input)
    assert isinstance(serialized, str)
    return base64.b64decode(serialized)


def test_a_stack_of_the_previous_release_upgrades_without_a_diff(
    previous_release: Path, emulator: EmulatorServer, tmp_path: Path
) -> None:
    program = shutil.copytree(REPO_ROOT / "examples" / "quickstart", tmp_path / "quickstart")
    config = stack_config(emulator)
    (tmp_path / "config.json").write_text(json.dumps(config))
    api = EmulatorApi(emulator)

    made = run_in(
        previous_release,
        "-c",
        OLD_UP,
        str(program),
        str(tmp_path / "config.json"),
        str(tmp_path / "state.json"),
        cwd=program,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    shown = run_in(previous_release, "-m", "pip", "show", "pulumi-huggingface", cwd=program).stdout
    assert f"Location: {previous_release.parents[1]}" in shown, shown  # installed from the wheel
    assert "Editable project location" not in shown and f"Version: {PREVIOUS_VERSION}" in shown
    state_text = (tmp_path / "state.json").read_text()

    server = ProviderServer(program, project=PROJECT, stack=STACK)
    try:
        server.start()
        server.configure(config, secret_keys=list(SECRET_KEYS))
        deployment = Deployment.from_json(server, state_text)
        old = only_resource(deployment)
        assert b"pulumi_huggingface.provider" in _pickled_class(old.outputs["__provider"])
        assert b"InferenceEndpointProvider" in _pickled_class(old.outputs["__provider"])
        live_before = api.get(old.id)
        assert live_before is not None and live_before["status"]["state"] in ("running", "scaledToZero")
        emulator.app.reset_request_counts()

        def goals(*, preview: bool = False, timeout: str | None = None) -> list[RegisteredResource]:
            extra = {} if timeout is None else {f"{PROJECT}:scaleToZeroTimeout": timeout}
            return run_program(
                program,
                config={**config, **extra},
                secret_config_keys=SECRET_KEYS,
                stack=STACK,
                preview=preview,
            )

        previewed = deployment.preview(goals(preview=True))
        assert set(previewed.ops().values()) == {StepOp.SAME}, previewed.render()

        updated = deployment.up(goals())
        assert set(updated.ops().values()) == {StepOp.SAME}, updated.render()
        assert _writes(emulator) == {}

        # Refresh reads the endpoint back through the provider pickled by the previous release (a
        # step without changes keeps the stored outputs): the same outputs (Read also returns the
        # inputs with the namespace resolved, which check leaves unset), and no diff after.
        assert only_resource(deployment).outputs["__provider"] == old.outputs["__provider"]
        (refreshed,) = deployment.refresh().values()
        assert strip_secrets(refreshed.new_outputs) == strip_secrets(refreshed.old_outputs)
        assert only_resource(deployment).id == old.id
        assert deployment.preview(goals(preview=True)).ops() == {old.urn: StepOp.SAME}
        live_after = api.get(old.id)
        assert live_after is not None
        assert live_after["status"]["updatedAt"] == live_before["status"]["updatedAt"]
        assert _writes(emulator) == {}

        changed = deployment.up(goals(timeout="30"))
        assert set(changed.ops().values()) == {StepOp.UPDATE}, changed.render()
        assert _writes(emulator) == {"PUT /v2/endpoint/{namespace}/{name}": 1}
        live_changed = api.get(old.id)
        assert live_changed is not None
        assert live_changed["compute"]["scaling"]["scaleToZeroTimeout"] == 30
        assert deployment.preview(goals(preview=True, timeout="30")).ops() == {old.urn: StepOp.SAME}

        deployment.destroy()
        assert deployment.state == {}
        assert emulator.app.endpoint_ids() == []
    finally:
        server.close()
        api.close()
