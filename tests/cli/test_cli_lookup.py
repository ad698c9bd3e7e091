"""Bringing an existing endpoint into a stack under the real CLI: what works and what does not.

* `InferenceEndpoint.get(name, id)` works: the engine reads the endpoint (the program sends the
  provider with the lookup) and records it as external; nothing is sent but reads, and destroying
  the stack leaves the endpoint alone.
* `pulumi import` fails for a dynamic resource: the engine's import reads with neither inputs nor
  state, so the provider is never sent, and the SDK's provider server fails with a traceback
  ending in `KeyError: '__provider'` before any code of this package runs. Nothing is sent to the API.
* What replaces it: declaring the endpoint with its `name` and `adopt_existing=True`; `pulumi up`
  takes it over, sending only what differs.
"""

from __future__ import annotations

import httpx
import pytest
from cli_stack import DELETE, NAMESPACE, POST, PROGRAMS, PUT, TOKEN, TYPE, NewStack, counts

from pulumi_huggingface_emulator import EmulatorServer

pytestmark = pytest.mark.cli

NAME = "made-elsewhere"
ENDPOINT_ID = f"{NAMESPACE}/{NAME}"


def create_elsewhere(emulator: EmulatorServer, timeout: int = 15) -> None:
    """Create the endpoint through the API, as another tool would, and reset the request counts."""
    body = {
        "name": NAME,
        "type": "protected",
        "provider": {"vendor": "aws", "region": "us-east-1"},
        "compute": {
            "accelerator": "cpu",
            "instanceType": "intel-icl",
            "instanceSize": "x2",
            "scaling": {"minReplica": 0, "maxReplica": 1, "scaleToZeroTimeout": timeout},
        },
        "model": {
            "repository": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
            "framework": "pytorch",
            "task": "text-classification",
            "image": {"huggingface": {}},
        },
    }
    response = httpx.post(
        f"{emulator.base_url}/endpoint/{NAMESPACE}", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    response.raise_for_status()
    emulator.app.reset_request_counts()


def test_get_reads_an_endpoint_managed_elsewhere_and_destroy_leaves_it(
    new_stack: NewStack, emulator: EmulatorServer
) -> None:
    create_elsewhere(emulator, timeout=45)
    stack = new_stack(PROGRAMS / "lookup", config={"lookupId": ENDPOINT_ID})
    looked_up = stack.up()
    assert "read" in looked_up.stdout, looked_up
    outputs = stack.outputs()
    assert outputs["scale_to_zero_timeout"] == 45 and outputs["url"], outputs
    [resource] = stack.resources()
    assert resource["id"] == ENDPOINT_ID and resource.get("external") is True, resource
    assert not {POST, PUT, DELETE} & set(counts(emulator)), counts(emulator)

    stack.destroy()
    assert emulator.app.endpoint_ids() == [ENDPOINT_ID]
    assert DELETE not in counts(emulator)


def test_pulumi_import_fails_and_adopt_existing_takes_the_endpoint_over(
    new_stack: NewStack, emulator: EmulatorServer
) -> None:
    create_elsewhere(emulator)
    stack = new_stack(PROGRAMS / "options", config={"endpointName": NAME})
    imported = stack.run("import", TYPE, "model", ENDPOINT_ID, "--yes", check=False)
    # The SDK's server fails before any code of the provider runs: nothing of ours can reword it.
    assert "Preview failed" in imported.stdout and "KeyError: '__provider'" in imported.stdout, imported
    assert stack.resources() == []
    assert not {POST, PUT, DELETE} & set(counts(emulator)), counts(emulator)

    stack.config_set("adoptExisting", "true")
    stack.config_set("scaleToZeroTimeout", "30")
    adopted = stack.up()
    assert [resource["id"] for resource in stack.resources()] == [ENDPOINT_ID], adopted
    assert emulator.app.endpoint_ids() == [ENDPOINT_ID]
    by_route = counts(emulator)
    assert POST not in by_route and DELETE not in by_route and by_route.get(PUT) == 1, by_route
    view = emulator.app.inspect(NAMESPACE, NAME)
    assert view is not None and view["config"]["compute"]["scaling"]["scaleToZeroTimeout"] == 30
    stack.preview("--expect-no-changes")
