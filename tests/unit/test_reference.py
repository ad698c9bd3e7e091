"""The README's resource reference is generated from the field table and must not drift from it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pulumi_huggingface.reference import END_MARKER, START_MARKER, render_reference
from pulumi_huggingface.schema import FIELDS, OUTPUTS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_reference_block_matches_the_generated_reference() -> None:
    """README.md carries the generated reference between its markers, byte for byte.

    Regenerate with `python -m pulumi_huggingface.reference` and paste it between the markers.
    """
    text = README.read_text(encoding="utf-8")
    assert START_MARKER in text and END_MARKER in text, f"README.md lacks {START_MARKER} ... {END_MARKER}"
    block = text.split(START_MARKER, 1)[1].split(END_MARKER, 1)[0]
    assert block.strip("\n") == render_reference().strip("\n")


def test_reference_has_one_row_per_input_and_output() -> None:
    """Every input and every reported output appears as a row of its table, in table order."""
    rows = [line for line in render_reference().splitlines() if line.startswith("| `")]
    names = [row.split("`")[1] for row in rows]
    assert names == [field.name for field in FIELDS] + [output.name for output in OUTPUTS]


def test_reference_states_mutability_and_reason_for_replace_only_inputs() -> None:
    """A replace-only input's row says it replaces and why; an in-place input's row says in place."""
    rows = {line.split("`")[1]: line for line in render_reference().splitlines() if line.startswith("| `")}
    assert "replaces (the API cannot move an endpoint to another cloud or region)" in rows["region"]
    assert "| in place |" in rows["max_replica"]
    assert "| in place (sent with `min_replica`) |" in rows["scale_to_zero_timeout"]
    assert "| in place (sent with `domain`) |" in rows["path"]
    assert "replaces (the API refuses to switch an endpoint between CPU and GPU)" in rows["accelerator"]
    assert "provider only" in rows["timeouts"]
    assert "| yes |" in rows["secrets"] and "| no |" in rows["env"]


def test_module_prints_the_reference() -> None:
    """`python -m pulumi_huggingface.reference` prints exactly what render_reference returns."""
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_huggingface.reference"], capture_output=True, text=True, check=True
    )
    assert result.stdout == render_reference()
