"""Test Pulumi programs that declare Inference Endpoints under the real Pulumi CLI, without an account.

`open_stack` runs an inline program or a program folder as a stack with a local file backend in a
temporary folder, pointed at the emulator (`pulumi_huggingface.emulator`); `up`, `preview`,
`refresh` and `destroy` return the engine's own results (`pulumi.automation`). The pytest fixtures
`hf_emulator` and `pulumi_stack` are in `pulumi_huggingface.testing.fixtures`
(`pytest_plugins = ["pulumi_huggingface.testing.fixtures"]`).

Install with the `testing` extra (`pip install 'pulumi-huggingface[testing]'`); the Pulumi CLI must be
beside the interpreter or on PATH.
"""

from pulumi_huggingface.testing.stack import (
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
