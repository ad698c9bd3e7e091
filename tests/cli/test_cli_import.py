"""The import command's program under the real CLI: its first `pulumi up` changes nothing served.

For each kind of endpoint made by huggingface_hub (`import_kinds.KINDS`: CPU; GPU on a custom image
from a private registry; paused; scaled to zero; env, secrets, tags and a route), the command
writes a program (`--program`), the user sets the config values it prints, and then:

- `pulumi up` adopts the endpoint: the emulator serves no create, delete, pause, resume or
  scale-to-zero, and no configuration PUT (a PUT could only write the provider's own tags), and
  the endpoint holds exactly what it held before;
- `pulumi preview --expect-no-changes` passes, before and after a refresh.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_stack import NAMESPACE, PUT, TOKEN, NewStack, counts
from huggingface_hub import HfApi, constants

from import_kinds import KINDS, Kind
from pulumi_huggingface.__main__ import main
from pulumi_huggingface.schema import is_reserved_tag
from pulumi_huggingface_emulator import EmulatorServer

pytestmark = pytest.mark.cli

# Requests that would change what an endpoint serves; a PUT is judged by the endpoint's stored config.
_CHANGES = (
    "POST /v2/endpoint/{namespace}",
    "DELETE /v2/endpoint/{namespace}/{name}",
    "POST /v2/endpoint/{namespace}/{name}/pause",
    "POST /v2/endpoint/{namespace}/{name}/resume",
    "POST /v2/endpoint/{namespace}/{name}/scale-to-zero",
)


@pytest.fixture
def hf_api(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[HfApi]:
    """huggingface_hub's own client pointed at the tier's emulator."""
    monkeypatch.setattr(constants, "INFERENCE_ENDPOINTS_ENDPOINT", emulator.base_url)
    monkeypatch.setattr(constants, "ENDPOINT", emulator.hub_url)
    yield HfApi(endpoint=emulator.hub_url)


def _stored(emulator: EmulatorServer, name: str) -> dict[str, Any]:
    view = emulator.app.inspect(NAMESPACE, name)
    assert view is not None
    config = copy.deepcopy(view["config"])
    config["tags"] = [tag for tag in config.get("tags", []) if not is_reserved_tag(tag)]
    # The states it went through: a redeployment, a pause or a resume adds to them.
    return {"state": view["state"], "history": view["history"], "config": config}


def _generate(emulator: EmulatorServer, kind: Kind, folder: Path) -> str:
    """Run the command as a user would, with the settings in the environment; returns its report."""
    out, err = io.StringIO(), io.StringIO()
    environ = {"HF_TOKEN": TOKEN, "HF_ENDPOINTS_API_URL": emulator.base_url, "HF_ENDPOINT": emulator.hub_url}
    secret_flags = [f"--secret-key={kind.name}={key}" for key in kind.secret_keys]
    status = main(
        ["import", kind.name, *secret_flags, "--program", str(folder)],
        environ=environ,
        stdout=out,
        stderr=err,
    )
    assert status == 0, err.getvalue()
    return out.getvalue()


@pytest.mark.parametrize("kind", KINDS, ids=[kind.name for kind in KINDS])
def test_first_up_of_the_imported_program_changes_nothing_and_preview_then_shows_no_changes(
    kind: Kind,
    hf_api: HfApi,
    emulator: EmulatorServer,
    new_stack: NewStack,
    tmp_path: Path,
) -> None:
    kind.make(hf_api, TOKEN)
    report = _generate(emulator, kind, tmp_path / "adopted")
    named = [
        line.split(": ", 1)[1].split(" (", 1)[0] for line in report.splitlines() if f"/{kind.name}: " in line
    ]
    assert named == list(kind.not_declared), report
    stack = new_stack(tmp_path / "adopted", name="adopted")
    for line in report.splitlines():
        if line.strip().startswith("pulumi config set"):
            words = line.split("#", 1)[0].split()
            key = words[-2]
            stack.config_set(key, kind.config[key], secret="--secret" in words)
    before = _stored(emulator, kind.name)
    emulator.app.reset_request_counts()

    stack.up()

    served = counts(emulator)
    assert {route: served[route] for route in _CHANGES if route in served} == {}, served
    assert _stored(emulator, kind.name) == before
    [resource] = stack.resources()
    assert resource["id"] == f"{NAMESPACE}/{kind.name}"
    puts = served.get(PUT, 0)
    stack.preview("--expect-no-changes")
    stack.preview("--refresh", "--expect-no-changes")
    assert counts(emulator).get(PUT, 0) == puts, "a preview sent a PUT"
    assert _stored(emulator, kind.name) == before
    # The endpoint was adopted, not made: the stack must not delete it when the test ends.
    stack.run("state", "delete", resource["urn"], "--yes")
