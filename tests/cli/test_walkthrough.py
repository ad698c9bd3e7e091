"""The README's first command: `python -m pulumi_huggingface_testing.walkthrough` runs the root program under
the real CLI against the emulator, prints the CLI's own output, and leaves nothing behind."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from pulumi_huggingface_testing.walkthrough import main

pytestmark = pytest.mark.cli

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_walkthrough_creates_previews_updates_refreshes_and_destroys() -> None:
    out, err = io.StringIO(), io.StringIO()

    status = main(["--project-dir", str(REPO_ROOT)], out=out, err=err)

    printed = out.getvalue()
    assert status == 0, printed + err.getvalue()
    # The CLI's own lines, not a rendering of ours.
    assert re.search(r"\+\s+pulumi-python:dynamic/huggingface:InferenceEndpoint quickstart created", printed)
    assert re.search(r"~\s*scale_to_zero_timeout\s*:\s*15 => 30", printed), printed
    assert "Requests to the API: 1 PUT, 0 POST, 0 DELETE" in printed
    assert re.search(r"- 2 deleted", printed)
    assert "is gone from the API" in printed
    assert "hf_walkthrough_" not in printed  # the token is never printed
