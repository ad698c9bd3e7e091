"""Resource options users rely on, under the real CLI: what the engine does with them reaches the API.

`ignore_changes`, `protect`, `retain_on_delete`, an alias after a rename, `--target` and
`delete_before_replace` are applied by the engine, not by the provider, so only the CLI shows that
they hold for a dynamic provider. Each test declares them through the `options` program's stack
config and asserts what the emulator holds and which requests it served.
"""

from __future__ import annotations

import re

import pytest
from cli_stack import DELETE, POST, PROGRAMS, PUT, TYPE, NewStack, Stack, counts

from pulumi_huggingface_emulator import EmulatorServer

pytestmark = pytest.mark.cli

OPTIONS = PROGRAMS / "options"


def timeout_of(emulator: EmulatorServer, endpoint_id: str) -> int:
    view = emulator.app.inspect(*endpoint_id.split("/"))
    assert view is not None, f"{endpoint_id} is not on the emulator"
    timeout: int = view["config"]["compute"]["scaling"]["scaleToZeroTimeout"]
    return timeout


def endpoint_ids(stack: Stack) -> dict[str, str]:
    """Resource name -> endpoint id, from the stack's state."""
    return {resource["urn"].rsplit("::", 1)[1]: resource["id"] for resource in stack.resources()}


def test_ignore_changes_keeps_a_timeout_change_out_of_preview_and_up(
    new_stack: NewStack, emulator: EmulatorServer
) -> None:
    stack = new_stack(OPTIONS, config={"ignoreTimeout": "true"})
    stack.up()
    [endpoint_id] = endpoint_ids(stack).values()

    stack.config_set("scaleToZeroTimeout", "30")
    preview = stack.preview("--diff", "--expect-no-changes")
    assert "15 => 30" not in preview.stdout, preview
    emulator.app.reset_request_counts()
    stack.up()
    assert PUT not in counts(emulator)
    assert timeout_of(emulator, endpoint_id) == 15


def test_protect_refuses_destroy_and_retain_on_delete_leaves_the_endpoint_on_destroy(
    new_stack: NewStack, emulator: EmulatorServer
) -> None:
    stack = new_stack(OPTIONS, config={"protect": "true", "retainOnDelete": "true"})
    stack.up()
    [endpoint_id] = endpoint_ids(stack).values()

    refused = stack.destroy(check=False)
    assert "protected" in refused.output, refused
    assert emulator.app.endpoint_ids() == [endpoint_id] and endpoint_ids(stack) == {"model": endpoint_id}

    stack.config_set("protect", "false")
    emulator.app.reset_request_counts()
    stack.up()
    destroyed = stack.destroy()
    assert re.search(rf"-\s+{TYPE} model deleted", destroyed.stdout), destroyed
    # Retained: gone from the state, still on the API, and no DELETE was sent.
    assert stack.resources() == []
    assert emulator.app.endpoint_ids() == [endpoint_id]
    assert DELETE not in counts(emulator) and PUT not in counts(emulator)


def test_an_alias_after_renaming_the_resource_keeps_the_endpoint(
    new_stack: NewStack, emulator: EmulatorServer
) -> None:
    stack = new_stack(OPTIONS)
    stack.up()
    [endpoint_id] = endpoint_ids(stack).values()

    stack.config_set("resources", "classifier")
    stack.config_set("aliasOf", "model")
    emulator.app.reset_request_counts()
    preview = stack.preview("--diff")
    assert "replace" not in preview.stdout and "to create" not in preview.stdout, preview
    renamed = stack.up()
    assert "replace" not in renamed.stdout, renamed
    assert endpoint_ids(stack) == {"classifier": endpoint_id}
    assert emulator.app.endpoint_ids() == [endpoint_id]
    assert not {POST, DELETE, PUT} & set(counts(emulator)), counts(emulator)
    stack.preview("--expect-no-changes")


def test_target_applies_only_the_targeted_endpoint(new_stack: NewStack, emulator: EmulatorServer) -> None:
    stack = new_stack(OPTIONS, config={"resources": "first,second"})
    stack.up()
    ids = endpoint_ids(stack)

    stack.config_set("scaleToZeroTimeout", "30")
    emulator.app.reset_request_counts()
    [first_urn] = [r["urn"] for r in stack.resources() if r["urn"].endswith("::first")]
    stack.up("--target", first_urn)
    assert counts(emulator).get(PUT) == 1
    assert timeout_of(emulator, ids["first"]) == 30 and timeout_of(emulator, ids["second"]) == 15
    pending = stack.preview("--diff")
    assert re.search(r"Resources:\n\s+~ 1 to update", pending.stdout), pending


def test_delete_before_replace_deletes_the_old_endpoint_before_creating_the_new_one(
    new_stack: NewStack, emulator: EmulatorServer
) -> None:
    stack = new_stack(OPTIONS, config={"deleteBeforeReplace": "true"})
    stack.up()
    [old_id] = endpoint_ids(stack).values()

    stack.config_set("region", "eu-west-1")
    stack.config_set("instanceType", "intel-spr")
    emulator.app.reset_request_counts()
    replaced = stack.up()
    lines = replaced.stdout.splitlines()
    deleted = next(i for i, line in enumerate(lines) if re.search(r"model deleted original", line))
    created = next(i for i, line in enumerate(lines) if re.search(r"model created replacement", line))
    assert deleted < created, replaced
    [new_id] = endpoint_ids(stack).values()
    assert new_id != old_id and emulator.app.endpoint_ids() == [new_id]
    assert counts(emulator).get(POST) == 1 and counts(emulator).get(DELETE) == 1
