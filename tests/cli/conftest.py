"""Fixtures for the CLI tier: the real `pulumi` binary runs programs against the emulator on loopback.

Each test gets fresh stacks (`new_stack`) of program folders and a fresh emulator (`emulator`) that
accepts only the stack's secret token; see `cli_stack` for what a stack's environment holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from cli_stack import (
    PROVISION_SECONDS,
    QUICKSTART,
    TOKEN,
    NewStack,
    Stack,
    copy_program,
    find_pulumi,
)

from pulumi_huggingface_emulator import EmulatorServer
from pulumi_huggingface_testing.stack import emulator_config


@pytest.fixture(scope="session")
def pulumi_cli() -> Path:
    """The Pulumi CLI (`.venv/bin/pulumi` after `bash .ci/setup`)."""
    return find_pulumi()


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """A fresh emulator on loopback that accepts only `TOKEN`, with short provisioning times."""
    with EmulatorServer(token=TOKEN, provision_seconds=PROVISION_SECONDS) as started:
        yield started


@pytest.fixture
def new_stack(
    pulumi_cli: Path, emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NewStack]:
    """Make stacks of program folders, configured for the test's emulator.

    `new_stack(program=QUICKSTART, *, name="dev", config=None, token=TOKEN)`: the program is copied,
    the stack initialised, the emulator's URLs, the poll interval and `config` set, and the token
    set with `--secret` (None sets no token). After the test, whatever a stack still holds is
    destroyed, and a test fails if a process started for one of its stacks still runs.
    """
    stacks: list[Stack] = []

    def make(
        program: Path = QUICKSTART,
        *,
        name: str = "dev",
        config: Mapping[str, str] | None = None,
        token: str | None = TOKEN,
    ) -> Stack:
        workdir = tmp_path_factory.mktemp("cli-stack")
        folder = copy_program(program, workdir / "program")
        stack = Stack(folder, workdir, pulumi=pulumi_cli, name=name)
        stack.init()
        for key, value in {**emulator_config(emulator), **(config or {})}.items():
            stack.config_set(key, value)
        if token is not None:
            stack.config_set("huggingface:token", token, secret=True)
        stacks.append(stack)
        return stack

    yield make
    leftovers = []
    for stack in stacks:
        if stack.resources():
            stack.destroy(check=None)
        leftovers += stack.processes()
    assert not leftovers, f"processes started by the CLI still run: {leftovers}"
