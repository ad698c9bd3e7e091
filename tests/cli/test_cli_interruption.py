"""`pulumi up` interrupted in the middle of a create, then run again: one endpoint, none leaked or lost.

Ctrl-C reaches the CLI's whole process group (the CLI, the language host, the program and the
provider plugin); a cancelled CI job or an out-of-memory kill ends them with SIGKILL. Each test
starts `pulumi up` in a process group of its own, waits until the emulator has the endpoint (the
POST went out) but before it runs, signals the group, and then does what the CLI's messages tell a
user: `pulumi cancel` for the lock a killed CLI leaves, `pulumi stack export` to see the pending
`creating` operation, `pulumi refresh --import-pending-creates` to resolve it, and `pulumi up`,
which takes the endpoint the interrupted run left over by its identity tag (the endpoint is named
explicitly). The result is checked in the emulator and the state.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time

import pytest
from cli_stack import DELETE, POST, PROGRAMS, NewStack, Stack, counts

from pulumi_huggingface_emulator import EmulatorServer

pytestmark = pytest.mark.cli

NAME = "interrupted"
PROVISION_SECONDS = 8.0


def up_interrupted(stack: Stack, emulator: EmulatorServer, sig: signal.Signals) -> str:
    """Start `pulumi up`, signal its process group once the endpoint is provisioning; return its output."""
    process = subprocess.Popen(
        [str(stack.pulumi), "up", "--yes", "--non-interactive"],
        cwd=stack.program,
        env=stack.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not emulator.app.endpoint_ids():
            assert process.poll() is None, f"pulumi up ended before the POST:\n{process.communicate()[0]}"
            assert time.monotonic() < deadline, "no POST within 120 s"
            time.sleep(0.05)
        [endpoint_id] = emulator.app.endpoint_ids()
        view = emulator.app.inspect(*endpoint_id.split("/"))
        assert view is not None and view["state"] != "running", view
        os.killpg(process.pid, sig)
        output, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode != 0, output
    return output


def test_ctrl_c_mid_create_lets_the_create_finish_and_records_it(
    new_stack: NewStack, emulator: EmulatorServer
) -> None:
    """Ctrl-C: the CLI cancels, waits for the create in flight, and records it; nothing is pending."""
    stack = new_stack(PROGRAMS / "options", config={"endpointName": NAME})
    emulator.app.configure(provision_seconds=PROVISION_SECONDS)
    interrupted = up_interrupted(stack, emulator, signal.SIGINT)
    assert "^C received; cancelling" in interrupted and "model created" in interrupted, interrupted
    [endpoint_id] = emulator.app.endpoint_ids()
    assert not stack.export()["deployment"].get("pending_operations")
    assert [resource["id"] for resource in stack.resources()] == [endpoint_id]

    emulator.app.reset_request_counts()
    again = stack.up()
    assert re.search(r"Resources:\n\s+2 unchanged", again.stdout), again
    assert POST not in counts(emulator)
    assert emulator.app.endpoint_ids() == [endpoint_id]
    stack.destroy()
    assert emulator.app.endpoint_ids() == []


@pytest.mark.parametrize("remedy", ["refresh", "export-import"])
def test_sigkill_mid_create_then_the_remedies_the_cli_names_end_in_one_endpoint(
    new_stack: NewStack, emulator: EmulatorServer, remedy: str
) -> None:
    """SIGKILL: the lock, the pending create and the endpoint stay; the CLI's remedies end in one endpoint.

    The provider plugin, orphaned, exits by itself (the fixture fails the test on any process left).
    """
    stack = new_stack(PROGRAMS / "options", config={"endpointName": NAME})
    emulator.app.configure(provision_seconds=PROVISION_SECONDS)
    up_interrupted(stack, emulator, signal.SIGKILL)
    [endpoint_id] = emulator.app.endpoint_ids()

    locked = stack.up(check=False)
    assert "the stack is currently locked" in locked.stderr and "pulumi cancel" in locked.stderr, locked
    stack.run("cancel", "--yes")
    [pending] = stack.export()["deployment"]["pending_operations"]
    assert pending["type"] == "creating" and pending["resource"]["urn"].endswith("::model"), pending

    if remedy == "refresh":
        # Refresh's import of a pending create drops it but, for a dynamic provider, records
        # nothing: the engine reads without the provider's inputs, as `pulumi import` does.
        urn = pending["resource"]["urn"]
        stack.refresh("--import-pending-creates", urn, "--import-pending-creates", endpoint_id)
    else:
        exported = stack.export()
        exported["deployment"].pop("pending_operations")
        edited = stack.program.parent / "without-pending.json"
        edited.write_text(json.dumps(exported))
        stack.run("stack", "import", "--file", str(edited))
    assert not stack.export()["deployment"].get("pending_operations")
    assert stack.resources() == []

    emulator.app.configure(provision_seconds=0.5)
    emulator.app.reset_request_counts()
    taken_over = stack.up()
    assert "carries this resource's identity tag" in taken_over.stdout, taken_over
    assert emulator.app.endpoint_ids() == [endpoint_id]
    assert [resource["id"] for resource in stack.resources()] == [endpoint_id]
    assert DELETE not in counts(emulator)
    stack.preview("--expect-no-changes")
    stack.destroy()
    assert emulator.app.endpoint_ids() == []
