"""`python -m pulumi_huggingface import` adopts endpoints made by huggingface_hub without changing them.

For each kind of endpoint (`import_kinds.KINDS`) the command reads it from the emulator over loopback
and writes a program; the program's declaration (run with stand-ins for `pulumi` and the resource)
then goes through the provider's own check and create (adoption) against the same emulator. What
must hold: check accepts it, the create sends no configuration change (no POST, DELETE, pause,
resume or scale-to-zero, and a PUT only of tags), the endpoint holds exactly what it held before,
and the next diff, before and after a refresh, is empty.
"""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from emulator_helpers import NAMESPACE, TOKEN
from huggingface_hub import HfApi

from import_kinds import KINDS, Kind
from pulumi_huggingface.__main__ import main
from pulumi_huggingface.provider import InferenceEndpointProvider
from pulumi_huggingface.schema import is_reserved_tag
from pulumi_huggingface_emulator import EmulatorServer

pytestmark = pytest.mark.emulator


class RecordingTransport(httpx.BaseTransport):
    """Real HTTP to the emulator, recording each request's method, path and JSON body."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.requests: list[tuple[str, str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.requests.append((request.method, request.url.path, body))
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def _environ(server: EmulatorServer) -> dict[str, str]:
    return {
        "HF_TOKEN": TOKEN,
        "HF_ENDPOINTS_API_URL": server.base_url,
        "HF_ENDPOINT": server.hub_url,
        "HF_ENDPOINTS_POLL_INTERVAL": "0.1",
    }


def run_import(server: EmulatorServer, *args: str) -> tuple[str, str]:
    """Run the command with the settings a user would export; returns its stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    status = main(["import", *args], environ=_environ(server), stdout=out, stderr=err)
    assert status == 0, err.getvalue()
    return out.getvalue(), err.getvalue()


def declarations(source: str, config: Mapping[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Run a generated program with stand-ins for `pulumi.Config` and `InferenceEndpoint`.

    Returns:
        The keyword arguments of each declared resource, by resource name, config values filled in.
    """
    declared: dict[str, dict[str, Any]] = {}

    class Config:
        def require(self, key: str) -> str:
            return config[key]

        require_secret = require

    def endpoint(resource_name: str, **kwargs: Any) -> None:
        declared[resource_name] = kwargs

    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "pulumi", types.SimpleNamespace(Config=Config))
        patch.setitem(sys.modules, "pulumi_huggingface", types.SimpleNamespace(InferenceEndpoint=endpoint))
        exec(compile(source, "__main__.py", "exec"), {"__name__": "__main__"})
    return declared


def ruff(*args: str, source: str) -> subprocess.CompletedProcess[str]:
    """Run ruff on `source` as a user's program, outside this project's configuration."""
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--isolated", "--line-length", "110", "-"],
        input=source,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _stored(server: EmulatorServer, name: str) -> dict[str, Any]:
    view = server.app.inspect(NAMESPACE, name)
    assert view is not None
    config = copy.deepcopy(view["config"])
    config["tags"] = [tag for tag in config.get("tags", []) if not is_reserved_tag(tag)]
    # The states it went through: a redeployment, a pause or a resume adds to them.
    return {"state": view["state"], "history": view["history"], "config": config}


@pytest.fixture
def provider(server: EmulatorServer) -> Iterator[tuple[InferenceEndpointProvider, RecordingTransport]]:
    transport = RecordingTransport()
    lines: list[str] = []
    yield (
        InferenceEndpointProvider(
            transport=transport, environ=_environ(server), info=lines.append, warn=lines.append
        ),
        transport,
    )
    transport.close()


@pytest.mark.parametrize("kind", KINDS, ids=[kind.name for kind in KINDS])
def test_generated_program_adopts_the_endpoint_without_changing_it(
    kind: Kind,
    hf_api: HfApi,
    server: EmulatorServer,
    provider: tuple[InferenceEndpointProvider, RecordingTransport],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Generate, check, adopt: no configuration request, the endpoint unchanged, no diff after."""
    kind.make(hf_api, TOKEN)
    secret_flags = [f"--secret-key={kind.name}={key}" for key in kind.secret_keys]
    source, report = run_import(server, kind.name, *secret_flags)

    assert ruff("format", "--diff", source=source).returncode == 0, ruff(
        "format", "--diff", source=source
    ).stdout
    lint = ruff("check", "--select", "E,F,W,I,B,UP,SIM,RUF", source=source)
    assert lint.returncode == 0, lint.stdout
    for key in kind.config:
        assert key in source
        secret = "--secret " if "username" not in key else ""
        assert f"pulumi config set {secret}{key} <" in report
    named = [
        line.split(": ", 1)[1].split(" (", 1)[0]
        for line in report.splitlines()
        if line.startswith("  ") and f"/{kind.name}: " in line
    ]
    assert named == list(kind.not_declared), report

    declared = declarations(source, kind.config, monkeypatch)
    assert list(declared) == [kind.name]
    inputs = declared[kind.name]
    assert inputs["name"] == kind.name and inputs["namespace"] == NAMESPACE
    assert inputs["adopt_existing"] is True
    assert {key: inputs.get(key) for key in kind.declares} == dict(kind.declares)
    # Defaults are left out; the provider's own tags never appear.
    assert not {"max_replica", "cache_http_responses", "timeouts"} & {
        key for key, value in inputs.items() if value in (1, False, None)
    }
    assert not any(is_reserved_tag(tag) for tag in inputs.get("tags", []))

    before = _stored(server, kind.name)
    assert before["state"] == kind.state
    adopter, transport = provider
    props = {"__resource_name": kind.name, **inputs}
    checked = adopter.check({}, props)
    assert checked.failures == []
    created = adopter.create(dict(checked.inputs))

    # Method, path and the body's top-level keys: the values may be secrets.
    changes = [
        (method, path, sorted(body or {})) for method, path, body in transport.requests if method != "GET"
    ]
    assert all(method == "PUT" and set(keys) <= {"tags"} for method, _, keys in changes), changes
    assert _stored(server, kind.name) == before

    outs = created.outs
    again = adopter.check(outs, props)
    assert again.failures == []
    assert adopter.diff(created.id, outs, dict(again.inputs)).changes is False
    refreshed = adopter.read(created.id, outs).outs
    assert adopter.diff(created.id, refreshed, dict(adopter.check(refreshed, props).inputs)).changes is False
    assert _stored(server, kind.name) == before


def test_tag_filter_imports_only_endpoints_carrying_every_tag(hf_api: HfApi, server: EmulatorServer) -> None:
    """`--tag` narrows the namespace to endpoints carrying all the given tags; the rest are not read."""
    options = {**KINDS[0].options, "token": TOKEN}
    hf_api.create_inference_endpoint("search-prod", **options, tags=["search", "prod"])
    hf_api.create_inference_endpoint("search-dev", **options, tags=["search", "dev"])
    hf_api.create_inference_endpoint("other", **options)

    source, report = run_import(server, "--tag", "search", "--tag", "prod")

    assert '"search-prod"' in source and "search-dev" not in source and '"other"' not in source
    assert "Declared 1 endpoint(s)" in report


def test_all_endpoints_of_the_namespace_into_a_new_program(
    hf_api: HfApi, server: EmulatorServer, tmp_path: Path
) -> None:
    """Without names, every endpoint is declared; `--program` writes `__main__.py` and `Pulumi.yaml`."""
    for name in ("alpha", "beta-2"):
        hf_api.create_inference_endpoint(name, **KINDS[0].options, token=TOKEN)
    program = tmp_path / "adopted"

    out, _ = run_import(server, "--program", str(program), "--virtualenv", "../.venv")

    source = (program / "__main__.py").read_text()
    assert "alpha = InferenceEndpoint(" in source and "beta_2 = InferenceEndpoint(" in source
    assert (program / "Pulumi.yaml").read_text() == (
        "name: adopted\n"
        f"description: Inference endpoints of {NAMESPACE}, adopted as they are\n"
        'runtime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: "../.venv"\n'
    )
    assert f"Declared 2 endpoint(s) of {NAMESPACE} (alpha, beta-2)" in out
    status = main(["import", "--program", str(program)], environ=_environ(server), stderr=io.StringIO())
    assert status == 1, "an existing program is not overwritten without --force"
