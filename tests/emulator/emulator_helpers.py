"""Constants and payload builders shared by the emulator tests."""

from __future__ import annotations

from typing import Any

TOKEN = "hf_emulator_test_token"
NAMESPACE = "emulator-user"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

# On loopback, where clients poll in real time, a deployment settles in 0.2 s. Idle minutes stay
# real unless a test compresses them, so an endpoint does not fall asleep in an unrelated test.
FAST = {"provision_seconds": 0.2}

# In process, tests move the emulator's clock by hand. A long provisioning time keeps each
# intermediate state observable however slowly the machine runs the test itself.
PROVISION = 10.0
IN_PROCESS = {"provision_seconds": PROVISION}


def create_body(name: str = "ep", **overrides: Any) -> dict[str, Any]:
    """A valid create body as huggingface_hub 2.x sends it, with top-level keys overridden."""
    body: dict[str, Any] = {
        "compute": {
            "accelerator": "cpu",
            "instanceSize": "x2",
            "instanceType": "intel-icl",
            "scaling": {"maxReplica": 1, "minReplica": 0, "scaleToZeroTimeout": 15},
        },
        "model": {
            "framework": "pytorch",
            "repository": "openai-community/gpt2",
            "revision": None,
            "image": {"huggingface": {}},
            "task": "text-generation",
        },
        "name": name,
        "provider": {"region": "us-east-1", "vendor": "aws"},
        "type": "authenticated",
    }
    body.update(overrides)
    return body
