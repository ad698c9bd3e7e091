"""pytest fixtures: an emulator on loopback and stacks of Pulumi programs under the real CLI against it.

pytest loads them wherever pulumi-huggingface-testing is installed (a `pytest11` entry point). With
plugin autoloading off (`PYTEST_DISABLE_PLUGIN_AUTOLOAD`), name them in a test module or the root
conftest.py:

    pytest_plugins = ["pulumi_huggingface_testing.fixtures"]

* `hf_emulator`: a fresh `EmulatorServer` per test that accepts only `EMULATOR_TOKEN`, with
  endpoints that provision in `PROVISION_SECONDS`; its `app` has the request counters
  (`request_counts()`, `reset_request_counts()`), switches and faults.
* `pulumi_stack`: `pulumi_stack(program, **options)` opens a stack (`open_stack`) of an inline
  program or a program folder against `hf_emulator`; after the test, each is destroyed and removed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Final

import pytest

# Loaded when a test asks for a fixture, not when pytest loads the plugin: every pytest run where
# this distribution is installed loads this module, and most of them need neither the emulator's
# werkzeug nor pulumi.automation.
if TYPE_CHECKING:
    from pulumi_huggingface_emulator import EmulatorServer
    from pulumi_huggingface_testing.stack import EmulatedStack

__all__ = ["EMULATOR_TOKEN", "PROVISION_SECONDS", "hf_emulator", "pulumi_stack"]

EMULATOR_TOKEN: Final = "hf_test"
# Short, but not zero: the API's first answers still show the endpoint pending, so waits are real.
PROVISION_SECONDS: Final = 0.5


@pytest.fixture
def hf_emulator() -> Iterator[EmulatorServer]:
    """A fresh emulator on loopback that accepts only `EMULATOR_TOKEN`."""
    from pulumi_huggingface_emulator import EmulatorServer

    with EmulatorServer(token=EMULATOR_TOKEN, provision_seconds=PROVISION_SECONDS) as emulator:
        yield emulator


@pytest.fixture
def pulumi_stack(
    hf_emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., EmulatedStack]]:
    """Open stacks against `hf_emulator`: `pulumi_stack(program, *, stack_name, project, config, ...)`."""
    from pulumi_huggingface_testing.stack import open_stack

    opened: list[EmulatedStack] = []

    def make(program: Any, **options: Any) -> EmulatedStack:
        options.setdefault("token", EMULATOR_TOKEN)
        options.setdefault("workdir", tmp_path_factory.mktemp("pulumi-stack"))
        stack = open_stack(program, hf_emulator, **options)
        opened.append(stack)
        return stack

    yield make
    for stack in reversed(opened):
        stack.close()
