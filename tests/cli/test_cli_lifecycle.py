"""The quickstart's lifecycle under the real `pulumi` CLI, as the README walks it.

`pulumi up` creates the endpoint; a `scaleToZeroTimeout` change previews as the CLI's own
`~ update` of `scale_to_zero_timeout` 15 => 30 with no replacement and no API request; `pulumi up`
applies it with one PUT; `pulumi refresh` finds nothing changed; `pulumi destroy` deletes it. After
each step the emulator is asked what it holds.
"""

from __future__ import annotations

import re

import pytest
from cli_stack import DELETE, NAMESPACE, POST, PUT, TOKEN, TYPE, NewStack, counts

from pulumi_huggingface_emulator import EmulatorServer

pytestmark = pytest.mark.cli


def test_up_preview_update_refresh_destroy(new_stack: NewStack, emulator: EmulatorServer) -> None:
    stack = new_stack()

    created = stack.up()
    assert re.search(rf"\+\s+{TYPE} quickstart created", created.stdout), created
    assert re.search(r"Resources:\n\s+\+ 2 created", created.stdout), created
    (endpoint,) = stack.resources()
    endpoint_id = endpoint["id"]
    namespace, _, name = endpoint_id.partition("/")
    assert namespace == NAMESPACE
    assert emulator.app.endpoint_ids() == [endpoint_id]
    assert emulator.app.inspect(namespace, name)["config"]["compute"]["scaling"]["scaleToZeroTimeout"] == 15
    outputs = stack.outputs()
    assert outputs["endpoint_id"] == endpoint_id and outputs["state"] == "running"
    assert stack.preview("--expect-no-changes").returncode == 0

    stack.config_set("scaleToZeroTimeout", "30")
    emulator.app.reset_request_counts()
    preview = stack.preview("--diff")
    assert counts(emulator) == {}, "a preview sent requests to the API"
    assert re.search(r"~ pulumi-python:dynamic/huggingface:InferenceEndpoint: \(update\)", preview.stdout), (
        preview
    )
    assert re.search(r"~ scale_to_zero_timeout\s*: 15 => 30", preview.stdout), preview
    assert "replace" not in preview.stdout, preview
    assert re.search(r"Resources:\n\s+~ 1 to update\n\s+1 unchanged", preview.stdout), preview

    updated = stack.up()
    assert re.search(rf"~\s+{TYPE} quickstart updated .*\[diff: ~scale_to_zero_timeout\]", updated.stdout), (
        updated
    )
    assert re.search(r"Resources:\n\s+~ 1 updated\n\s+1 unchanged", updated.stdout), updated
    by_route = counts(emulator)
    assert (by_route.get(PUT, 0), by_route.get(POST, 0), by_route.get(DELETE, 0)) == (1, 0, 0), by_route
    assert emulator.app.inspect(namespace, name)["config"]["compute"]["scaling"]["scaleToZeroTimeout"] == 30
    (after,) = stack.resources()
    assert after["id"] == endpoint_id and after["outputs"]["scale_to_zero_timeout"] == 30
    assert stack.preview("--expect-no-changes").returncode == 0

    refreshed = stack.refresh()
    assert re.search(r"Refreshing \(dev\):.*Resources:\n\s+2 unchanged", refreshed.stdout, re.DOTALL), (
        refreshed
    )
    assert stack.preview("--expect-no-changes").returncode == 0

    destroyed = stack.destroy()
    assert re.search(rf"-\s+{TYPE} quickstart deleted", destroyed.stdout), destroyed
    assert re.search(r"Resources:\n\s+- 2 deleted", destroyed.stdout), destroyed
    assert emulator.app.endpoint_ids() == []
    assert stack.resources() == []
    everything = created.output + preview.output + updated.output + refreshed.output + destroyed.output
    assert TOKEN not in everything
