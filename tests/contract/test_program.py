"""`run_program` captures what a program sends the engine, secret markers included, under the SDK's mocks."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest
import toy_providers
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime import rpc

from support import ProviderServer, run_program

pytestmark = pytest.mark.contract

THING = "pulumi-python:dynamic/toy:Thing"


def two_things() -> None:
    config = pulumi.Config("toy")
    first = toy_providers.ToyResource(
        "first",
        {
            "name": "first",
            "region": config.require("region"),
            "password": config.require_secret("password"),
            "labels": {"team": "ml", "key": pulumi.Output.secret("k-123")},
        },
    )
    toy_providers.ToyResource("second", {"name": "second", "upstream": first.id})


CONFIG = {"toy:region": "us-east-1", "toy:password": "pw"}


def test_inputs_are_what_the_engine_receives_including_the_provider_pickle() -> None:
    """Type token, URN and inputs, with `__provider` byte-identical to the SDK's own pickle."""
    first, second = run_program(two_things, config=CONFIG, secret_config_keys=["toy:password"])

    assert (first.type, first.name) == (THING, "first")
    assert first.urn == f"urn:pulumi:stack::project::{THING}::first"
    assert first.inputs["__provider"] == rpc.wrap_rpc_secret(
        serialize_provider(toy_providers.FileBackedProvider())
    )
    assert first.plain_inputs() == {
        "name": "first",
        "region": "us-east-1",
        "password": "pw",
        "labels": {"team": "ml", "key": "k-123"},
    }
    assert second.inputs["upstream"] == "first-id"
    assert second.dependencies == [first.urn]


def test_secret_markers_are_captured_where_the_program_set_them() -> None:
    """A secret config value and a nested Output.secret are marked at their own path, nothing else."""
    first, second = run_program(two_things, config=CONFIG, secret_config_keys=["toy:password"])

    assert first.secret_paths == [("__provider",), ("labels", "key"), ("password",)]
    assert first.secret_keys == {"__provider", "labels", "password"}
    assert first.inputs["labels"]["team"] == "ml"
    assert second.secret_keys == {"__provider"}


def test_config_is_visible_to_the_program_and_reset_between_runs() -> None:
    """Each run sees only its own config."""
    seen: list[str | None] = []

    def program() -> None:
        seen.append(pulumi.Config("toy").get("region"))

    run_program(program, config={"toy:region": "eu-west-1"})
    run_program(program)

    assert seen == ["eu-west-1", None]


def test_a_preview_leaves_dependent_inputs_unknown() -> None:
    """During a preview a new resource's id is unknown, so an input built from it is unknown too."""
    _, second = run_program(two_things, config=CONFIG, secret_config_keys=["toy:password"], preview=True)

    assert isinstance(second.inputs["upstream"], Unknown)


def test_captured_inputs_go_through_check_with_secrets_plain_inside_and_marked_outside(
    toy_server: ProviderServer,
) -> None:
    """What the program registered, fed to the real server, arrives as the provider expects."""
    first, second = run_program(two_things, config=CONFIG, secret_config_keys=["toy:password"], preview=True)

    checked = toy_server.check(first.urn, {}, first.inputs, preview=True)
    unknown = toy_server.check(second.urn, {}, second.inputs, preview=True)

    received = toy_providers.events(toy_server.stderr_text(), "check")[-2]
    assert received["news"]["password"] == "pw"
    assert checked.inputs["password"] == rpc.wrap_rpc_secret("pw")
    assert toy_providers.events(toy_server.stderr_text(), "check")[-1]["unknown"] == ["upstream"]
    assert isinstance(unknown.inputs["upstream"], Unknown)


def test_a_program_folder_runs_as_the_language_host_runs_it(tmp_path: Path) -> None:
    """A folder's __main__.py runs with the folder as cwd; the project name comes from Pulumi.yaml."""
    (tmp_path / "Pulumi.yaml").write_text("name: demo-project\nruntime: python\n")
    (tmp_path / "helper.py").write_text("REGION = 'ap-south-1'\n")
    (tmp_path / "__main__.py").write_text(
        "import os\n"
        "import pulumi\n"
        "import helper\n"
        "import toy_providers\n"
        "token = pulumi.Config('huggingface').require_secret('token')\n"
        "toy_providers.ToyResource('only', {'name': 'only', 'region': helper.REGION,\n"
        "    'cwd': os.path.basename(os.getcwd()), 'token': token})\n"
    )

    (only,) = run_program(
        tmp_path, config={"huggingface:token": "hf_x"}, secret_config_keys=["huggingface:token"]
    )

    assert only.urn == f"urn:pulumi:stack::demo-project::{THING}::only"
    assert only.plain_inputs() == {
        "name": "only",
        "region": "ap-south-1",
        "cwd": tmp_path.name,
        "token": "hf_x",
    }
    assert only.secret_keys == {"__provider", "token"}


def test_a_program_error_is_raised_to_the_caller() -> None:
    """An exception in the program propagates instead of yielding a partial resource list."""

    def broken() -> None:
        pulumi.Config("toy").require("missing")

    with pytest.raises(pulumi.ConfigMissingError):
        run_program(broken)
