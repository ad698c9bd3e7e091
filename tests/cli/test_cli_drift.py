"""Drift under the real CLI: a change made outside Pulumi shows on refresh and on `preview --refresh`.

The emulator's `drift()` changes the endpoint as a user of the web UI would, without a request
through the API. `pulumi preview --expect-no-changes` is what a pipeline runs to find drift.
"""

from __future__ import annotations

import re

import pytest
from cli_stack import PUT, NewStack, counts

from pulumi_huggingface_emulator import EmulatorServer

pytestmark = pytest.mark.cli


def test_an_out_of_band_change_shows_on_refresh_and_preview_refresh_until_up_restores_it(
    new_stack: NewStack, emulator: EmulatorServer
) -> None:
    stack = new_stack()
    stack.up()
    (endpoint,) = stack.resources()
    namespace, _, name = endpoint["id"].partition("/")

    emulator.app.drift(namespace, name, {"compute": {"scaling": {"scaleToZeroTimeout": 60}}})

    # Without --refresh the preview compares the program with the state, which still says 15.
    stack.preview("--expect-no-changes")
    drifted = stack.preview("--refresh", "--diff", "--expect-no-changes", check=False)
    assert re.search(r"scale_to_zero_timeout\s*: 60 => 15", drifted.stdout), drifted
    assert "no changes were expected" in drifted.output.lower(), drifted

    refreshed = stack.refresh("--diff")
    assert re.search(r"~ 1 updated", refreshed.stdout), refreshed
    assert re.search(r"scale_to_zero_timeout\s*: 15 => 60", refreshed.stdout), refreshed
    assert stack.resources()[0]["outputs"]["scale_to_zero_timeout"] == 60

    stack.preview("--expect-no-changes", check=False)
    emulator.app.reset_request_counts()
    stack.up()
    assert counts(emulator).get(PUT) == 1
    assert emulator.app.inspect(namespace, name)["config"]["compute"]["scaling"]["scaleToZeroTimeout"] == 15
    stack.preview("--expect-no-changes")
    stack.preview("--refresh", "--expect-no-changes")

    # Drift again: `up --refresh` reads it back and puts the declaration back in one run.
    emulator.app.drift(namespace, name, {"compute": {"scaling": {"scaleToZeroTimeout": 45}}})
    stack.preview("--refresh", "--expect-no-changes", check=False)
    stack.up("--refresh")
    assert emulator.app.inspect(namespace, name)["config"]["compute"]["scaling"]["scaleToZeroTimeout"] == 15
    stack.preview("--refresh", "--expect-no-changes")
    stack.destroy()
