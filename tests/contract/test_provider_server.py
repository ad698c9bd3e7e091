"""The harness drives the SDK's real provider server (`python -m pulumi.dynamic`) as the engine does.

Each test pins one leg of the round trip between the engine's view (plain dicts, secret markers,
unknowns) and what provider code receives and returns, through the real gRPC server.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any

import grpc
import pytest
import toy_providers
from pulumi.output import Unknown
from pulumi.runtime import rpc

from conftest import CONTRACT_DIR, provider_input, start_toy_server
from support import (
    CheckFailure,
    DiffResponse,
    ProviderCallError,
    ProviderServer,
    ProviderServerStartError,
    make_urn,
)

pytestmark = pytest.mark.contract

THING = "pulumi-python:dynamic/toy:Thing"


def urn(name: str) -> str:
    return make_urn(THING, name)


def public(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if not k.startswith("__")}


def test_configure_hands_the_whole_stack_config_to_configure_with_secrets_unwrapped(
    toy_server: ProviderServer, file_backed: dict[str, Any], toy_store: Path
) -> None:
    """configure() sees every namespaced key, and a secret arrives as its plain value."""
    toy_server.check(urn("cfg"), {}, {**file_backed, "name": "cfg"})

    (configured,) = toy_providers.events(toy_server.stderr_text(), "configure")
    assert configured["config"] == {"toy:store": str(toy_store), "huggingface:token": "hf_contract_secret"}
    assert configured["project"] == "project"


def test_check_failures_come_back_with_property_and_reason(
    toy_server: ProviderServer, file_backed: dict[str, Any]
) -> None:
    """A CheckFailure raised by the provider is returned, not raised."""
    response = toy_server.check(urn("bad"), {}, {**file_backed, "name": "bad", "fail_check": "name is taken"})

    assert response.failures == [CheckFailure("name", "name is taken")]


def test_check_in_preview_passes_unknowns_through(
    toy_server: ProviderServer, file_backed: dict[str, Any]
) -> None:
    """An input that depends on an unresolved output reaches check() as Unknown and comes back unknown."""
    response = toy_server.check(urn("u"), {}, {**file_backed, "name": "u", "size": Unknown()}, preview=True)

    seen = toy_providers.events(toy_server.stderr_text(), "check")[-1]
    assert seen["unknown"] == ["size"]
    assert isinstance(response.inputs["size"], Unknown)
    assert response.inputs["name"] == "u"


def test_unknowns_are_refused_outside_a_preview(
    toy_server: ProviderServer, file_backed: dict[str, Any]
) -> None:
    """The engine never sends an unknown to Create; the harness refuses to as well."""
    with pytest.raises(ValueError, match="preview"):
        toy_server.create(urn("u"), {**file_backed, "name": "u", "size": Unknown()})


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param({}, DiffResponse(changes=False), id="no-change-is-DIFF_NONE"),
        pytest.param({"size": "L"}, DiffResponse(changes=True), id="in-place-update"),
        pytest.param({"region": "eu"}, DiffResponse(changes=True, replaces=["region"]), id="replace"),
        pytest.param(
            {"region": "eu", "delete_before_replace": True},
            DiffResponse(changes=True, replaces=["region"], delete_before_replace=True),
            id="delete-before-replace",
        ),
        pytest.param({"unknown_diff": True}, DiffResponse(changes=None), id="DIFF_UNKNOWN-is-None"),
    ],
)
def test_diff_results_marshal_through_the_server(
    toy_server: ProviderServer, file_backed: dict[str, Any], change: dict[str, Any], expected: DiffResponse
) -> None:
    """changes / replaces / delete_before_replace survive the trip, DIFF_UNKNOWN included."""
    inputs = {**file_backed, "name": "d", "region": "us", "size": "S"}
    created = toy_server.create(urn("d"), inputs)
    state = {k: v for k, v in created.outs.items() if k not in ("created_at", "generation")}

    response = toy_server.diff(urn("d"), created.id, state, {**inputs, **change}, old_inputs=inputs)

    assert response == expected


def test_create_read_update_delete_round_trip(
    toy_server: ProviderServer, file_backed: dict[str, Any], toy_store: Path
) -> None:
    """Outputs of each call come back as the provider returned them; Read answers "" once deleted."""
    inputs = {**file_backed, "name": "crud", "size": "S"}
    created = toy_server.create(urn("crud"), inputs)
    assert created.id.startswith("crud-")
    assert public(created.outs) == {
        "name": "crud",
        "size": "S",
        "created_at": pytest.approx(created.outs["created_at"]),
        "generation": 1,
    }
    assert created.outs["__provider"] == inputs["__provider"]

    read = toy_server.read(urn("crud"), created.id, created.outs, inputs)
    assert read.id == created.id
    assert public(read.outs) == public(created.outs)
    assert read.inputs is not None and public(read.inputs) == {"name": "crud", "size": "S"}

    updated = toy_server.update(
        urn("crud"), created.id, created.outs, {**inputs, "size": "M"}, old_inputs=inputs
    )
    assert updated["size"] == "M"
    assert updated["generation"] == 2

    toy_server.delete(urn("crud"), created.id, updated, old_inputs=inputs)
    assert not (toy_store / f"{created.id}.json").exists()
    gone = toy_server.read(urn("crud"), created.id, updated, inputs)
    assert gone.id == ""


def test_secret_inputs_reach_the_provider_plain_and_come_back_secret_by_name(
    toy_server: ProviderServer, file_backed: dict[str, Any]
) -> None:
    """The server declines secrets, so the engine strips markers going in and restores them by name."""
    created = toy_server.create(urn("s"), {**file_backed, "name": "s", "password": rpc.wrap_rpc_secret("pw")})

    assert toy_providers.events(toy_server.stderr_text(), "create")[-1]["props"]["password"] == "pw"
    assert created.outs["password"] == rpc.wrap_rpc_secret("pw")
    assert created.outs["name"] == "s"
    assert rpc.is_rpc_secret(created.outs["__provider"])


def test_a_provider_exception_surfaces_as_provider_call_error_with_its_message(
    toy_server: ProviderServer, file_backed: dict[str, Any]
) -> None:
    """The SDK aborts with StatusCode.UNKNOWN and the traceback as details."""
    with pytest.raises(ProviderCallError) as caught:
        toy_server.create(urn("f"), {**file_backed, "name": "f", "fail_create": "quota exceeded"})

    assert caught.value.method == "Create"
    assert caught.value.code is grpc.StatusCode.UNKNOWN
    assert "RuntimeError: quota exceeded" in caught.value.details
    assert "Traceback" in caught.value.details


def test_a_failing_configure_fails_the_first_call_that_unpickles_the_provider() -> None:
    """configure() runs lazily inside the first RPC carrying the pickle, so its error surfaces there."""
    with start_toy_server() as server:
        server.configure({})
        with pytest.raises(ProviderCallError, match="toy configure refused: no credentials"):
            server.check(
                urn("c"), {}, {**provider_input(toy_providers.FailingConfigureProvider()), "name": "c"}
            )


def test_calls_before_configure_are_refused() -> None:
    """The engine always configures first; the harness will not pretend otherwise."""
    with start_toy_server() as server, pytest.raises(RuntimeError, match="configure"):
        server.check(urn("x"), {}, {"name": "x"})


def test_stderr_is_captured_while_the_server_runs(
    toy_server: ProviderServer, file_backed: dict[str, Any]
) -> None:
    """Provider output on stderr (pulumi.log, prints, tracebacks) can be scanned during the test."""
    toy_server.check(urn("loud"), {}, {**file_backed, "name": "loud-marker"})

    assert '"name": "loud-marker"' in toy_server.wait_for_stderr("loud-marker", timeout=5)


def test_kill_mid_create_fails_the_call_and_leaves_no_process() -> None:
    """SIGKILL while a create is in flight: the call fails as UNAVAILABLE, the process is gone."""
    server = start_toy_server()
    try:
        server.configure({})
        outcome: list[BaseException] = []

        def create() -> None:
            try:
                server.create(
                    urn("slow"), {**provider_input(toy_providers.SlowProvider()), "name": "slow", "sleep": 60}
                )
            except BaseException as error:
                outcome.append(error)

        caller = threading.Thread(target=create)
        caller.start()
        server.wait_for_stderr("create_started", timeout=10)
        server.kill()
        caller.join(timeout=10)

        assert not caller.is_alive()
        assert len(outcome) == 1 and isinstance(outcome[0], ProviderCallError)
        assert outcome[0].code is grpc.StatusCode.UNAVAILABLE
        assert server.returncode == -9
        assert not server.is_running()
    finally:
        server.close()


def test_close_leaves_no_process_even_when_the_block_raises() -> None:
    """Leaving the context manager on an exception still stops and reaps the server."""
    with pytest.raises(KeyError), start_toy_server() as server:
        pid = server.pid
        raise KeyError("boom")

    assert not server.is_running()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_the_server_environment_is_scrubbed_of_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's HF_TOKEN never reaches the server unless passed explicitly; HF_HOME is private."""
    monkeypatch.setenv("HF_TOKEN", "hf_developer_token")
    monkeypatch.setenv("HF_ENDPOINT", "https://example.invalid")
    with start_toy_server(env={"HF_ENDPOINTS_API_URL": "http://127.0.0.1:9/v2"}) as server:
        raw = Path(f"/proc/{server.pid}/environ").read_bytes()
        env = dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)

        assert "HF_TOKEN" not in env
        assert "HF_ENDPOINT" not in env
        assert env["HF_ENDPOINTS_API_URL"] == "http://127.0.0.1:9/v2"
        assert env["PULUMI_PROJECT"] == "project"
        assert env["HF_HOME"] != os.environ["HF_HOME"]
        assert Path(env["HF_HOME"]).is_dir() and not any(Path(env["HF_HOME"]).iterdir())
        assert str(CONTRACT_DIR) in env["PYTHONPATH"].split(os.pathsep)


def test_a_server_that_dies_at_start_reports_its_stderr(tmp_path: Path) -> None:
    """A server that cannot start fails fast with its own error text, not a timeout."""
    shadow = tmp_path / "pulumi"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise SystemExit('this pulumi is broken on purpose')\n")

    with pytest.raises(ProviderServerStartError, match="broken on purpose"):
        ProviderServer(tmp_path, start_timeout=20).start()


def test_the_server_runs_the_current_interpreter(toy_server: ProviderServer) -> None:
    """The engine runs the project's interpreter; the harness runs the one running the tests."""
    cmdline = Path(f"/proc/{toy_server.pid}/cmdline").read_bytes().split(b"\0")

    assert cmdline[:5] == [sys.executable.encode(), b"-u", b"-m", b"pulumi.dynamic", b"127.0.0.1:1"]
