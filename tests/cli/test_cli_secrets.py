"""Secrets under the real CLI: the token reaches the provider, and state holds secrets only as ciphertext.

`pulumi config set --secret huggingface:token` is the only way the token reaches the provider in
these tests (the developer's HF_TOKEN is kept out, and the emulator accepts only that token). The
Configure payload is recorded by a probe provider; `pulumi stack export` is searched for every
secret value.
"""

from __future__ import annotations

import json

import pytest
from cli_stack import PROGRAMS, REPO_ROOT, TOKEN, NewStack

from pulumi_huggingface_emulator import EmulatorServer

pytestmark = pytest.mark.cli

API_KEY = "sk-cliTierApiKey-93hd"
REGISTRY_PASSWORD = "registry-pw-cliTier-7Qz"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def test_a_secret_token_in_stack_config_reaches_configure_decrypted(new_stack: NewStack, tmp_path) -> None:
    """The engine sends the whole stack config, namespaced keys, secrets decrypted, as plain strings."""
    record_file = tmp_path / "configure.json"
    stack = new_stack(PROGRAMS / "configure-probe", config={"probe:out": str(record_file)})

    stack.up()

    record = json.loads(record_file.read_text())
    values = record["values"]
    assert values["huggingface:token"] == ["str", TOKEN]
    assert record["get_huggingface_token"] == TOKEN
    assert values["huggingface:pollInterval"] == ["str", "0.2"]
    assert values["probe:out"] == ["str", str(record_file)]
    # The plugin's environment carries an empty PULUMI_CONFIG: configure() is the only way in.
    assert record["PULUMI_CONFIG"] == {}
    print(json.dumps(record, indent=2).replace(TOKEN, "<TOKEN>"))


def _secret_values(value):
    """Every `{sig: SECRET_SIG, ...}` object in an exported state."""
    if isinstance(value, dict):
        if value.get("4dabf18193072939515e22adb298388d") == SECRET_SIG:
            yield value
        for item in value.values():
            yield from _secret_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _secret_values(item)


def test_stack_export_holds_secrets_only_as_ciphertext(new_stack: NewStack, emulator: EmulatorServer) -> None:
    stack = new_stack(REPO_ROOT / "examples" / "custom-image")
    stack.config_set("registryPassword", REGISTRY_PASSWORD, secret=True)
    stack.config_set("apiKey", API_KEY, secret=True)

    stack.up()

    (endpoint,) = stack.resources()
    namespace, _, name = endpoint["id"].partition("/")
    held = emulator.app.inspect(namespace, name)["config"]
    assert held["model"]["secrets"] == {"API_KEY": API_KEY}

    exported = stack.run("stack", "export").stdout
    for plain in (TOKEN, API_KEY, REGISTRY_PASSWORD):
        assert plain not in exported
    (state,) = [r for r in json.loads(exported)["deployment"]["resources"] if r.get("id") == endpoint["id"]]
    for properties in (state["inputs"], state["outputs"]):
        for key in ("secrets", "container_registry_password", "__provider"):
            assert properties[key].get("4dabf18193072939515e22adb298388d") == SECRET_SIG, key
            assert "ciphertext" in properties[key], key
    assert json.loads(exported)["deployment"]["secrets_providers"]["type"] == "passphrase"

    # The engine records the config it configured the stack's default provider with: the token is
    # there, as ciphertext, and nowhere in the endpoint's own state.
    (default_provider,) = [
        r
        for r in json.loads(exported)["deployment"]["resources"]
        if r["type"] == "pulumi:providers:pulumi-python"
    ]
    assert "ciphertext" in default_provider["inputs"]["huggingface:token"]

    shown = json.loads(stack.run("stack", "export", "--show-secrets").stdout)["deployment"]["resources"]
    revealed = next(r for r in shown if r.get("id") == endpoint["id"])
    assert json.loads(revealed["outputs"]["secrets"]["plaintext"]) == {"API_KEY": API_KEY}
    assert json.loads(revealed["outputs"]["container_registry_password"]["plaintext"]) == REGISTRY_PASSWORD
    assert TOKEN not in json.dumps(revealed), "the endpoint's state must not hold the token, even encrypted"
    provider_config = next(r for r in shown if r["type"] == "pulumi:providers:pulumi-python")["inputs"]
    assert json.loads(provider_config["huggingface:token"]["plaintext"]) == TOKEN

    stack.destroy()
