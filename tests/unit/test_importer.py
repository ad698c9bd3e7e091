"""What the import command declares for an endpoint's JSON, and how it writes it (no Pulumi; the
command itself runs against the in-process emulator).

The emulator tier (tests/emulator/test_import_adoption.py) proves that the declarations adopt real
endpoints without changing them; these pin the decisions: defaults left out, the provider's tags
left out, unreadable values from the config, the state, and everything the program cannot express
named rather than dropped.
"""

from __future__ import annotations

import ast
import copy
import io
import json
import subprocess
import sys
from typing import Any

import httpx
import pytest
from provider_fakes import endpoint_body

from pulumi_huggingface import importer
from pulumi_huggingface.__main__ import main
from pulumi_huggingface.client import EndpointsClient
from pulumi_huggingface.importer import ConfigRef, plan_endpoint, render_module
from pulumi_huggingface_emulator import EmulatorApp
from pulumi_huggingface_emulator.inprocess import EmulatorTransport

NAMESPACE = "acme"

ENDPOINT: dict[str, Any] = {
    "name": "chat",
    "type": "authenticated",
    "provider": {"vendor": "aws", "region": "us-east-1"},
    "healthRoute": "/health",
    "compute": {
        "id": "aws-us-east-1-intel-icl-x2",
        "accelerator": "cpu",
        "instanceType": "intel-icl",
        "instanceSize": "x2",
        "scaling": {
            "minReplica": 1,
            "maxReplica": 1,
            "scaleToZeroTimeout": None,
            "metric": "hardwareUsage",
            "measure": {"hardwareUsage": None},
        },
    },
    "model": {
        "repository": "openai-community/gpt2",
        "framework": "pytorch",
        "revision": "0123456789abcdef0123456789abcdef01234567",
        "task": "text-generation",
        "image": {"huggingface": {}},
        "env": {},
        "secrets": {},
    },
    "tags": ["team-a", "pulumi-hf:0123abcd", "pulumi-hf-id:0011223344556677"],
    "cacheHttpResponses": False,
    "experimentalFeatures": {},
    "status": {
        "state": "running",
        "message": "Endpoint is ready",
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-01T00:00:00.000Z",
        "readyReplica": 1,
        "targetReplica": 1,
        "url": "https://chat.endpoints.test",
    },
}


def endpoint(**changes: Any) -> dict[str, Any]:
    """`ENDPOINT` with dotted paths set (``{"compute.scaling.minReplica": 0}``)."""
    data = copy.deepcopy(ENDPOINT)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = data
        for key in parents:
            node = node[key]
        node[last] = value
    return data


def test_defaults_and_the_providers_tags_are_left_out() -> None:
    plan = plan_endpoint(ENDPOINT, NAMESPACE)
    assert plan.inputs == {
        "name": "chat",
        "namespace": NAMESPACE,
        "repository": "openai-community/gpt2",
        "framework": "pytorch",
        "task": "text-generation",
        "revision": "0123456789abcdef0123456789abcdef01234567",
        "accelerator": "cpu",
        "instance_size": "x2",
        "instance_type": "intel-icl",
        "vendor": "aws",
        "region": "us-east-1",
        "scaling_metric": "hardwareUsage",
        "tags": ["team-a"],
        "adopt_existing": True,
    }
    assert plan.omissions == [] and plan.config == []


@pytest.mark.parametrize(
    ("state", "min_replica", "declared"),
    [
        ("paused", 1, "paused"),
        ("scaledToZero", 0, "scaledToZero"),
        ("initializing", 1, None),
        ("running", 0, None),
    ],
)
def test_desired_state_reflects_a_pause_or_a_scale_to_zero(
    state: str, min_replica: int, declared: Any
) -> None:
    data = endpoint(status__state=state, compute__scaling__minReplica=min_replica)
    assert plan_endpoint(data, NAMESPACE).inputs.get("desired_state") == declared


@pytest.mark.parametrize(
    ("state", "min_replica", "fragment"),
    [("scaledToZero", 1, "needs min_replica 0"), ("failed", 1, "fails until the endpoint is repaired")],
)
def test_a_state_the_program_cannot_hold_is_named(state: str, min_replica: int, fragment: str) -> None:
    plan = plan_endpoint(endpoint(status__state=state, compute__scaling__minReplica=min_replica), NAMESPACE)
    assert "desired_state" not in plan.inputs
    [omission] = plan.omissions
    assert omission.path == "status.state" and fragment in omission.consequence


def test_unmodelled_fields_are_named_with_what_would_be_lost_never_their_values() -> None:
    data = endpoint(
        customRouter={"tag": "router:1", "env": {"TOKEN": "router-secret"}},
        experimentalFeatures={"kvRouter": {"tag": "kv:2"}},
    )
    data["model"]["fromCatalog"] = True
    plan = plan_endpoint(data, NAMESPACE)
    assert [(o.path, o.what) for o in plan.omissions] == [
        ("model.fromCatalog", "a boolean"),
        ("experimentalFeatures.kvRouter.tag", "a string"),
        ("customRouter.tag", "a string"),
        ("customRouter.env.TOKEN", "a string"),
    ]
    assert all("Pulumi neither tracks nor restores it" in o.consequence for o in plan.omissions)
    source = render_module([plan], namespace=NAMESPACE)
    assert "# - customRouter.env.TOKEN (a string)" in source
    assert "router-secret" not in source and "router-secret" not in " ".join(map(str, plan.omissions))


def test_values_the_api_never_reads_back_come_from_the_stack_config() -> None:
    data = endpoint(
        model__image={
            "custom": {
                "url": "ghcr.io/acme/server:1",
                "port": 8080,
                "healthRoute": "/ready",
                "credentials": {"username": "", "password": None},
            }
        },
    )
    plan = plan_endpoint(data, NAMESPACE, secret_keys=["API_KEY"])
    assert plan.inputs["custom_image"] == {
        "custom": {"url": "ghcr.io/acme/server:1", "port": 8080, "healthRoute": "/ready"}
    }
    assert plan.inputs["container_registry_username"] == ConfigRef(
        "chat-container-registry-username", False, "container_registry_username of chat"
    )
    assert plan.inputs["container_registry_password"].key == "chat-container-registry-password"
    assert plan.inputs["container_registry_password"].secret is True
    assert plan.inputs["secrets"] == {
        "API_KEY": ConfigRef("chat-secrets-API_KEY", True, "secrets API_KEY of chat")
    }
    assert plan.inputs["secrets_already_set"] is True
    assert importer.config_commands([plan]) == [
        "pulumi config set chat-container-registry-username <value>  # container_registry_username of chat",
        "pulumi config set --secret chat-container-registry-password <value>"
        "  # container_registry_password of chat",
        "pulumi config set --secret chat-secrets-API_KEY <value>  # secrets API_KEY of chat",
    ]
    source = render_module([plan], namespace=NAMESPACE)
    assert 'secrets={"API_KEY": config.require_secret("chat-secrets-API_KEY")},' in source
    assert 'container_registry_username=config.require("chat-container-registry-username"),' in source


def test_secret_names_the_api_reads_back_are_declared_without_their_values() -> None:
    plan = plan_endpoint(endpoint(model__secrets={"DB_URL": "redacted"}), NAMESPACE)
    assert plan.inputs["secrets"] == {
        "DB_URL": ConfigRef("chat-secrets-DB_URL", True, "secrets DB_URL of chat")
    }


def test_a_declaration_check_would_refuse_is_named() -> None:
    # A timeout the API kept after min_replica was raised: check refuses to declare it.
    data = endpoint(compute__scaling__scaleToZeroTimeout=30, compute__scaling__minReplica=2)
    data["compute"]["scaling"]["maxReplica"] = 2
    plan = plan_endpoint(data, NAMESPACE)
    assert plan.inputs["scale_to_zero_timeout"] == 30
    [omission] = plan.omissions
    assert omission.path == "scale_to_zero_timeout" and "needs min_replica 0" in omission.consequence


def test_generated_source_is_valid_and_formatted_as_ruff_formats_it() -> None:
    long_env = {f"VARIABLE_{index}": "x" * 30 for index in range(4)}
    plans = [
        plan_endpoint(endpoint(model__env=long_env, name="my-chat"), NAMESPACE, secret_keys=["API_KEY"]),
        plan_endpoint(endpoint(name="2nd", tags=['quote"d', "back\\slash", "ünï"]), NAMESPACE),
    ]
    plans[1].variable = importer.python_name("2nd")
    source = render_module(plans, namespace=NAMESPACE)
    ast.parse(source)
    assert "endpoint_2nd = InferenceEndpoint(" in source and "my_chat = InferenceEndpoint(" in source
    assert '    env={\n        "VARIABLE_0": "' in source
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--isolated", "--line-length", "110", "--diff", "-"],
        input=source,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert formatted.returncode == 0, formatted.stdout
    # The tags survive the trip through the source exactly.
    tree = ast.parse(source)
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "InferenceEndpoint"
    ]
    tags = next(k.value for k in calls[1].keywords if k.arg == "tags")
    assert ast.literal_eval(tags) == ['quote"d', "back\\slash", "ünï"]


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("my-endpoint", [], "my_endpoint"),
        ("2nd", [], "endpoint_2nd"),
        ("config", [], "endpoint_config"),
        ("a-b", ["a_b"], "a_b_2"),
    ],
)
def test_python_names(name: str, taken: list[str], expected: str) -> None:
    assert importer.python_name(name, taken) == expected


def emulator(*names: str) -> EmulatorApp:
    """The emulator with the user `acme` and these endpoints, its request counts at zero."""
    app = EmulatorApp(user=NAMESPACE)
    with httpx.Client(
        transport=EmulatorTransport(app), headers={"Authorization": "Bearer hf_test"}
    ) as client:
        for name in names:
            made = client.post(f"http://api/v2/endpoint/{NAMESPACE}", json=endpoint_body(name))
            assert made.status_code == 200, made.text
    app.reset_request_counts()
    return app


def run(app: EmulatorApp, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    client = EndpointsClient(
        token="hf_test", api_url="http://api/v2", hub_url="http://hub", transport=EmulatorTransport(app)
    )
    status = main(["import", *args], environ={}, stdout=out, stderr=err, client=client)
    return status, out.getvalue(), err.getvalue()


def test_the_command_prints_the_program_and_reports_on_stderr() -> None:
    app = emulator("chat", "other")
    status, out, err = run(app, "chat", "--secret-key", "chat=API_KEY", "--stack", "prod")
    assert status == 0
    assert '"chat",' in out and '"other"' not in out
    assert "  pulumi config set --secret --stack prod chat-secrets-API_KEY <value>  # secrets API_KEY" in err
    assert "Declared 1 endpoint(s) of acme (chat) in standard output." in err
    assert app.request_counts()["byRoute"] == {
        "GET /api/whoami-v2": 1,
        "GET /v2/endpoint/{namespace}/{name}": 1,
    }
    assert app.endpoint_ids() == ["acme/chat", "acme/other"], "an import changes nothing"


def test_a_missing_endpoint_is_an_error_naming_it() -> None:
    status, out, err = run(emulator(), "ghost", "--namespace", "acme")
    assert (status, out) == (1, "")
    assert err.startswith("error: ") and "ghost" in err


def test_a_secret_key_for_an_endpoint_not_imported_is_refused() -> None:
    status, _, err = run(emulator("chat"), "--secret-key", "chta=API_KEY")
    assert status == 1 and "chta" in err


def test_no_token_says_how_to_provide_one(tmp_path: Any) -> None:
    err = io.StringIO()
    status = main(["import"], environ={"HF_HOME": str(tmp_path)}, stderr=err)
    assert status == 1 and "HF_TOKEN" in err.getvalue()


def test_the_command_imports_neither_pulumi_nor_test_code() -> None:
    probe = (
        "import sys, json\n"
        "from pulumi_huggingface.__main__ import main\n"
        "heavy = ('pulumi.', 'pytest', 'huggingface_hub', 'pulumi_huggingface_emulator', 'support')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m == 'pulumi' or m.startswith(heavy))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(loaded.stdout) == []
