"""Test Pulumi programs that declare Inference Endpoints under the real Pulumi CLI, without an account.

`open_stack` runs an inline program or a program folder as a stack with a local file backend in a
temporary folder, pointed at the emulator (`pulumi_huggingface_emulator`); `up`, `preview`,
`refresh` and `destroy` return the engine's own results (`pulumi.automation`). The pytest fixtures
`hf_emulator` and `pulumi_stack` are in `pulumi_huggingface_testing.fixtures`, which pytest loads
wherever this distribution is installed (a `pytest11` entry point). `python -m
pulumi_huggingface_testing.walkthrough` walks a program through its lifecycle.

Install with `pip install 'pulumi-huggingface[testing]'` (this distribution,
pulumi-huggingface-testing, with the provider and the emulator); the Pulumi CLI must be beside the
interpreter or on PATH.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pulumi_huggingface_testing.stack import (
        DEFAULT_POLL_INTERVAL,
        EmulatedStack,
        Emulator,
        PulumiNotFoundError,
        emulator_config,
        find_pulumi,
        open_stack,
    )

__all__ = [
    "DEFAULT_POLL_INTERVAL",
    "EmulatedStack",
    "Emulator",
    "PulumiNotFoundError",
    "emulator_config",
    "find_pulumi",
    "open_stack",
]

# The release, shared with pulumi-huggingface (see CHANGELOG.md); pyproject.toml reads it from here.
__version__ = "0.1.0"


# The names are resolved lazily (PEP 562): pytest loads `pulumi_huggingface_testing.fixtures`, and
# so this package, in every run where it is installed, and pulumi.automation waits for a stack.
def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'pulumi_huggingface_testing' has no attribute {name!r}")
    return getattr(importlib.import_module("pulumi_huggingface_testing.stack"), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
