"""The resource side: type token, secret marking, the pickled provider, args handling, lookups."""

from __future__ import annotations

import base64
import pickletools
import subprocess
import sys
from typing import Any

import dill
import pulumi
import pytest
from provider_fakes import TOKEN, EmulatedApi, make_provider
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider

import pulumi_huggingface
from pulumi_huggingface import InferenceEndpoint, InferenceEndpointArgs
from pulumi_huggingface.provider import InferenceEndpointProvider
from pulumi_huggingface.resource import resource_identity
from pulumi_huggingface.schema import FIELDS, OUTPUTS
from support import run_program

TYPE_TOKEN = "pulumi-python:dynamic/huggingface:InferenceEndpoint"
ARGS: dict[str, Any] = {
    "repository": "openai-community/gpt2",
    "framework": "custom",
    "accelerator": "cpu",
    "instance_size": "x2",
    "instance_type": "intel-icl",
    "vendor": "aws",
    "region": "us-east-1",
    "custom_image": {"url": "registry.example.com/server:1"},
    "container_registry_username": "robot",
    "env": {"LOG_LEVEL": "info"},
}


def _program() -> None:
    config = pulumi.Config("app")
    InferenceEndpoint(
        "chat",
        **ARGS,
        container_registry_password=config.require("registry_password"),
        secrets={"API_KEY": config.require("api_key")},
    )


def test_public_surface() -> None:
    assert pulumi_huggingface.__all__ == sorted(pulumi_huggingface.__all__)
    assert pulumi_huggingface.__all__ == ["InferenceEndpoint", "InferenceEndpointArgs"]


def test_type_token_and_secret_marking_under_the_sdk_mocks() -> None:
    """secrets and the registry password arrive at the engine marked secret, though read as plain config."""
    [endpoint] = run_program(
        _program, config={"app:registry_password": "pw-123456", "app:api_key": "key-987654"}
    )
    assert endpoint.type == TYPE_TOKEN
    assert {"secrets", "container_registry_password"} <= endpoint.secret_keys
    assert not {"env", "container_registry_username", "custom_image"} & endpoint.secret_keys
    assert endpoint.plain_inputs()["secrets"] == {"API_KEY": "key-987654"}
    assert endpoint.inputs["__resource_name"] == "chat"
    assert {"secrets", "container_registry_password"} <= set(endpoint.additional_secret_outputs)


def test_pickled_provider_is_a_reference_to_the_frozen_import_path_and_holds_no_token() -> None:
    """Every stack's state holds this pickle: it names pulumi_huggingface.provider.InferenceEndpointProvider
    by reference and carries no credentials, even when the token is in the environment."""
    [endpoint] = run_program(
        _program, config={"app:registry_password": "pw-123456", "app:api_key": "key-987654"}
    )
    raw = base64.b64decode(endpoint.provider_pickle)
    globals_ = [arg for op, arg, _ in pickletools.genops(raw) if op.name in ("GLOBAL", "STACK_GLOBAL")]
    strings = [arg for op, arg, _ in pickletools.genops(raw) if isinstance(arg, str)]
    assert "pulumi_huggingface.provider" in strings and "InferenceEndpointProvider" in strings
    assert not [g for g in globals_ if g and "FunctionType" in str(g)], (
        "the class must not be pickled by value"
    )
    restored = dill.loads(raw)
    assert type(restored).__module__ == "pulumi_huggingface.provider"
    assert type(restored).__qualname__ == "InferenceEndpointProvider"


def test_a_configured_provider_pickles_without_token_settings_or_client() -> None:
    """Whatever the provider learns at run time stays out of its pickle."""
    api = EmulatedApi()
    provider, _, _ = make_provider(api)
    provider.configure(ConfigureRequest(Config(raw_config={"huggingface:token": TOKEN}, project_name="p")))
    provider.read("alice/none", {})  # builds the client and resolves settings
    encoded = serialize_provider(provider)
    assert TOKEN.encode() not in base64.b64decode(encoded)
    assert TOKEN not in encoded
    clone = dill.loads(base64.b64decode(encoded))
    assert isinstance(clone, InferenceEndpointProvider)
    assert clone._settings is None and clone._client is None and clone._transport is None


def test_outputs_never_contain_the_token() -> None:
    from test_provider_lifecycle import create

    api = EmulatedApi()
    provider, _, _ = make_provider(api)
    _, inputs, outs = create(provider, name="chat")
    assert TOKEN not in repr(outs) and TOKEN not in repr(inputs)


def test_args_object_and_keywords_are_equivalent() -> None:
    def with_args() -> None:
        InferenceEndpoint("chat", InferenceEndpointArgs(**ARGS))

    def with_keywords() -> None:
        InferenceEndpoint("chat", **ARGS)

    [a] = run_program(with_args)
    [b] = run_program(with_keywords)
    assert a.plain_inputs() == b.plain_inputs()


def test_args_and_keywords_together_or_an_unknown_keyword_are_rejected() -> None:
    with pytest.raises(TypeError, match="not both"):
        InferenceEndpoint("chat", InferenceEndpointArgs(**ARGS), region="eu-west-1")
    with pytest.raises(TypeError):
        InferenceEndpoint("chat", **ARGS, regoin="eu-west-1")


def test_args_and_outputs_cover_the_table() -> None:
    """Every table input is a keyword-only Args field described in its docstring, and an Output attribute."""
    fields = {field.name for field in FIELDS}
    assert set(InferenceEndpointArgs.__dataclass_fields__) == fields
    assert all(f.kw_only for f in InferenceEndpointArgs.__dataclass_fields__.values())
    assert InferenceEndpointArgs.__doc__ is not None
    for field in FIELDS:
        assert f"    {field.name}: {field.description}" in InferenceEndpointArgs.__doc__
    annotations = InferenceEndpoint.__annotations__
    assert fields | {output.name for output in OUTPUTS} <= set(annotations)


def _identities(program: Any, *, project: str = "shop", stack: str = "dev") -> dict[str, str]:
    return {
        r.name: r.inputs["__resource_identity"] for r in run_program(program, project=project, stack=stack)
    }


def _two_endpoints() -> None:
    InferenceEndpoint("chat", **ARGS)
    InferenceEndpoint("embed", **ARGS)


class _Team(pulumi.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("shop:index:Team", name)
        InferenceEndpoint("chat", **ARGS, opts=pulumi.ResourceOptions(parent=self))


def test_the_resource_identity_is_the_same_on_every_run_of_the_same_resource() -> None:
    """What a later `pulumi up` must recognise: no randomness, only the stack's and resource's names."""
    first = _identities(_two_endpoints)
    assert _identities(_two_endpoints) == first
    # Under the SDK's mocks the organization is unset.
    assert first["chat"] == resource_identity(
        "chat", organization="", project="shop", stack="dev", type_token=TYPE_TOKEN
    )
    assert first["chat"] != first["embed"]
    assert len(first["chat"]) == 16 and int(first["chat"], 16) >= 0


def test_the_resource_identity_differs_by_stack_project_organization_and_parent() -> None:
    chat = _identities(_two_endpoints)["chat"]
    assert _identities(_two_endpoints, stack="prod")["chat"] != chat
    assert _identities(_two_endpoints, project="other")["chat"] != chat
    assert resource_identity("chat", organization="acme", project="shop", stack="dev") != chat

    def teams() -> None:
        _Team("a")
        _Team("b")

    children = [r.inputs["__resource_identity"] for r in run_program(teams) if r.type == TYPE_TOKEN]
    assert len(set(children)) == 2


def test_get_looks_up_by_id() -> None:
    """InferenceEndpoint.get reads an existing endpoint: a read registration with the id and the provider."""

    def program() -> None:
        InferenceEndpoint.get("existing", "alice/chat")

    [lookup] = run_program(program)
    assert lookup.lookup_id == "alice/chat"
    assert lookup.type == TYPE_TOKEN
    assert "__provider" in lookup.inputs


def test_importing_the_package_has_no_side_effects() -> None:
    """The plugin imports the module when it unpickles the provider: no output, no threads, no config."""
    code = (
        "import threading, pulumi_huggingface, pulumi_huggingface.provider;"
        "assert threading.active_count() == 1, threading.enumerate()"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
