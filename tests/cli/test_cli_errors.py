"""Errors as a user of the CLI sees them: the message first and short, no wall of traceback.

The SDK's provider server sends a failed call's whole formatted traceback as its error, and the
CLI prints it under the resource; the provider shortens its own errors to their message
(`_server.shorten_error_messages`). Each case also checks what reached the API.
"""

from __future__ import annotations

import re

import pytest
from cli_stack import POST, PROGRAMS, NewStack, counts

from pulumi_huggingface_emulator import EmulatorServer

pytestmark = pytest.mark.cli

ENDPOINT = PROGRAMS / "endpoint"


def error_lines(output: str) -> list[str]:
    """The distinct messages the CLI prints after `error:` (in the progress lines and under Diagnostics)."""
    lines = [line.split("error:", 1)[1].strip() for line in output.splitlines() if "error:" in line]
    return list(dict.fromkeys(lines))


def assert_short(output: str) -> None:
    assert "Traceback" not in output, output
    assert 'File "' not in output, output


def test_bad_input_fails_the_preview_naming_the_input_before_any_request(
    new_stack: NewStack, emulator: EmulatorServer
) -> None:
    stack = new_stack(config={"scaleToZeroTimeout": "-5"})

    failed = stack.preview(check=False)

    assert_short(failed.output)
    assert any("scale_to_zero_timeout" in line for line in error_lines(failed.output)), failed
    assert counts(emulator) == {}


def test_hardware_outside_the_catalogue_fails_at_up_listing_what_is_offered(
    new_stack: NewStack, emulator: EmulatorServer
) -> None:
    stack = new_stack(config={"instanceType": "intel-nonexistent"})

    failed = stack.up(check=False)

    assert_short(failed.output)
    (message,) = [line for line in error_lines(failed.output) if "is not offered" in line]
    assert message.startswith(
        "accelerator=cpu instance_type=intel-nonexistent instance_size=x2 is not offered in aws/us-east-1"
    )
    assert "accelerator=cpu instance_type=intel-icl instance_size=x2" in message
    assert counts(emulator).get(POST, 0) == 0
    assert stack.resources() == []


def test_a_400_at_up_shows_the_api_message(new_stack: NewStack, emulator: EmulatorServer) -> None:
    """A deprecated offer is in the catalogue, so only the API's POST refuses it."""
    stack = new_stack(
        ENDPOINT, config={"accelerator": "gpu", "instanceType": "nvidia-t4", "instanceSize": "x2"}
    )

    failed = stack.up(check=False)

    assert_short(failed.output)
    (message,) = [line for line in error_lines(failed.output) if "400" in line]
    assert "Compute instance not available yet" in message, failed
    assert len(message) < 300, message
    assert counts(emulator).get(POST) == 1
    assert emulator.app.endpoint_ids() == []
    assert stack.resources() == []


def test_a_rejected_token_says_where_it_came_from(new_stack: NewStack, emulator: EmulatorServer) -> None:
    stack = new_stack(token="hf_notTheEmulatorsToken")

    failed = stack.up(check=False)

    assert_short(failed.output)
    assert "hf_notTheEmulatorsToken" not in failed.output
    (line,) = [line for line in error_lines(failed.output) if "401" in line or "token" in line.lower()][:1]
    assert re.search(r"huggingface:token", line), failed
    assert emulator.app.endpoint_ids() == []


def test_a_missing_token_says_how_to_set_one(new_stack: NewStack, emulator: EmulatorServer) -> None:
    stack = new_stack(token=None)

    failed = stack.up(check=False)

    assert_short(failed.output)
    assert any(
        line.startswith(
            "No Hugging Face token found. Set it with `pulumi config set --secret huggingface:token <token>`"
        )
        for line in error_lines(failed.output)
    ), failed
    assert counts(emulator).get(POST, 0) == 0
