"""The state machine (reference §3): deploy, update, pause, resume, scale to zero, idle timeout,
failures, and the data plane at `status.url`.

These run in process and move the emulator's clock by hand, so no test sleeps through a
provisioning time. The app's provisioning time is `PROVISION` (10 s of emulator clock).
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from emulator_helpers import NAMESPACE, PROVISION, create_body

from pulumi_huggingface_emulator import EmulatorApp

URL = f"/v2/endpoint/{NAMESPACE}"


def _state(client: httpx.Client, name: str) -> dict[str, Any]:
    return client.get(f"{URL}/{name}").json()["status"]


def _create(client: httpx.Client, name: str, **overrides: Any) -> dict[str, Any]:
    response = client.post(URL, json=create_body(name, **overrides))
    assert response.status_code == 200, response.text
    return response.json()


def _health(client: httpx.Client, name: str) -> httpx.Response:
    return client.get(f"/endpoints/{NAMESPACE}/{name}/health")


def test_create_goes_pending_then_initializing_then_running(client: httpx.Client, app: EmulatorApp) -> None:
    """pending (no url) -> initializing (url) -> running with ready == target replicas."""
    created = _create(client, "deploy")
    assert "url" not in created["status"]
    assert (created["status"]["state"], created["status"]["readyReplica"]) == ("pending", 0)
    app.advance_clock(PROVISION / 2)
    status = _state(client, "deploy")
    assert status["state"] == "initializing"
    assert status["url"] == f"http://emulator/endpoints/{NAMESPACE}/deploy"
    assert _health(client, "deploy").status_code == 503
    app.advance_clock(PROVISION / 2)
    status = _state(client, "deploy")
    assert (status["state"], status["readyReplica"], status["targetReplica"]) == ("running", 1, 1)
    assert status["message"] == "Endpoint is ready"
    assert _health(client, "deploy").status_code == 200


def test_running_since_is_the_emulator_time_it_became_running(client: httpx.Client, app: EmulatorApp) -> None:
    """The readiness instant is exposed, for benchmarks measuring how fast clients notice it."""
    _create(client, "timed")
    view = app.inspect(NAMESPACE, "timed")
    assert view is not None and view["runningSince"] is None
    created_at = view["history"][0]["at"]
    app.advance_clock(PROVISION)
    assert app.running_since(NAMESPACE, "timed") == pytest.approx(created_at + PROVISION)
    view = client.get(f"/_emulator/endpoints/{NAMESPACE}/timed").json()
    assert view["runningSince"] == pytest.approx(created_at + PROVISION)
    assert [h["state"] for h in view["history"]] == ["pending", "initializing", "running"]


def test_update_passes_through_updating(client: httpx.Client, app: EmulatorApp) -> None:
    """PUT -> updating (url kept, 0 ready) -> running, with a newer updatedAt."""
    created = _create(client, "upd")
    app.advance_clock(PROVISION)
    response = client.put(f"{URL}/upd", json={"compute": {"scaling": {"maxReplica": 2}}})
    status = response.json()["status"]
    assert (status["state"], status["readyReplica"], status["message"]) == (
        "updating",
        0,
        "Endpoint waiting for the update",
    )
    assert "url" in status
    assert status["updatedAt"] > created["status"]["updatedAt"]
    app.advance_clock(PROVISION)
    assert _state(client, "upd")["state"] == "running"


def test_unloadable_model_fails_with_a_message(client: httpx.Client, app: EmulatorApp) -> None:
    """A repository named `unloadable...` (or registered as unloadable) ends in `failed`."""
    body = create_body("broken")
    body["model"]["repository"] = "acme/unloadable-model"
    client.post(URL, json=body)
    app.advance_clock(PROVISION)
    status = _state(client, "broken")
    assert status["state"] == "failed"
    # Why goes in `errorMessage`, as clients of the live API read it; `message` names the state.
    assert (status["message"], status["errorMessage"]) == (
        "Endpoint failed to deploy",
        "the model acme/unloadable-model could not be loaded",
    )
    assert "url" not in status

    app.add_unloadable_repository("acme/fine-looking")
    body = create_body("broken-too")
    body["model"]["repository"] = "acme/fine-looking"
    client.post(URL, json=body)
    app.advance_clock(PROVISION)
    assert _state(client, "broken-too")["state"] == "failed"


def test_update_to_an_unloadable_model_ends_update_failed(client: httpx.Client, app: EmulatorApp) -> None:
    """updateFailed is terminal until the next update, which may succeed."""
    _create(client, "swap")
    app.advance_clock(PROVISION)
    client.put(f"{URL}/swap", json={"model": {"repository": "acme/unloadable-v2"}})
    app.advance_clock(PROVISION)
    status = _state(client, "swap")
    assert status["state"] == "updateFailed"
    assert "acme/unloadable-v2" in status["errorMessage"]
    client.put(f"{URL}/swap", json={"model": {"repository": "acme/good"}})
    app.advance_clock(PROVISION)
    assert _state(client, "swap")["state"] == "running"


def test_failed_endpoint_refuses_updates_by_default(client: httpx.Client, app: EmulatorApp) -> None:
    """[D] 2023 docs: a failed endpoint must be recreated; `failed_update="allow"` redeploys it."""
    app.inject_endpoint_fault(NAMESPACE, "dead", on="create")
    _create(client, "dead")
    app.advance_clock(PROVISION)
    assert _state(client, "dead")["errorMessage"] == "injected failure"
    refused = client.put(f"{URL}/dead", json={"tags": ["x"]})
    assert refused.status_code == 400 and "failed state" in refused.json()["error"]
    app.configure(failed_update="allow")
    assert client.put(f"{URL}/dead", json={"tags": ["x"]}).json()["status"]["state"] == "updating"
    app.advance_clock(PROVISION)
    assert _state(client, "dead")["state"] == "running"


@pytest.mark.parametrize("operation", ["create", "update", "resume"])
def test_injected_stuck_operation_never_settles(
    client: httpx.Client, app: EmulatorApp, operation: str
) -> None:
    """A stuck create stays initializing, a stuck update stays updating, a stuck resume stays
    initializing, whatever the time."""
    if operation != "create":
        _create(client, "stuck")
        app.advance_clock(PROVISION)
    app.inject_endpoint_fault(NAMESPACE, "stuck", on=operation, outcome="stuck")
    if operation == "create":
        _create(client, "stuck")
    elif operation == "update":
        client.put(f"{URL}/stuck", json={"tags": ["t"]})
    else:
        client.post(f"{URL}/stuck/pause")
        client.post(f"{URL}/stuck/resume")
    app.advance_clock(3600)
    expected = "updating" if operation == "update" else "initializing"
    assert _state(client, "stuck")["state"] == expected


def test_injected_update_failure(client: httpx.Client, app: EmulatorApp) -> None:
    """An injected update failure ends updateFailed with its message."""
    _create(client, "flaky")
    app.advance_clock(PROVISION)
    app.inject_endpoint_fault(NAMESPACE, "flaky", on="update", message="OOM while loading")
    client.put(f"{URL}/flaky", json={"tags": ["t"]})
    app.advance_clock(PROVISION)
    status = _state(client, "flaky")
    assert (status["state"], status["message"], status["errorMessage"]) == (
        "updateFailed",
        "Endpoint failed to update",
        "OOM while loading",
    )


def test_pause_and_resume(client: httpx.Client, app: EmulatorApp) -> None:
    """Paused: 0/0 replicas, url kept, data plane answers the paused 400; resume redeploys."""
    _create(client, "nap")
    app.advance_clock(PROVISION)
    paused = client.post(f"{URL}/nap/pause").json()["status"]
    assert (paused["state"], paused["readyReplica"], paused["targetReplica"]) == ("paused", 0, 0)
    assert "url" in paused
    assert client.post(f"{URL}/nap/pause").json()["status"]["state"] == "paused"
    response = _health(client, "nap")
    assert (response.status_code, response.json()) == (
        400,
        {
            "error": "Bad Request: The endpoint is paused, ask a maintainer to restart it",
            "code": "BAD_REQUEST",
        },
    )
    app.advance_clock(3600)
    assert _state(client, "nap")["state"] == "paused", "traffic does not wake a paused endpoint"
    assert client.post(f"{URL}/nap/resume").json()["status"]["state"] == "pending"
    app.advance_clock(PROVISION)
    assert _state(client, "nap")["state"] == "running"
    again = client.post(f"{URL}/nap/resume")
    assert again.status_code == 400 and "already running" in again.text


def test_scaled_to_zero_wakes_on_traffic(client: httpx.Client, app: EmulatorApp) -> None:
    """Scaled to zero: url kept; a data-plane request answers 503 and starts a replica."""
    _create(client, "sleepy")
    app.advance_clock(PROVISION)
    scaled = client.post(f"{URL}/sleepy/scale-to-zero").json()["status"]
    assert (scaled["state"], scaled["readyReplica"]) == ("scaledToZero", 0)
    response = _health(client, "sleepy")
    assert (response.status_code, response.json()) == (
        503,
        {"error": "503 Service Unavailable", "code": "SERVICE_UNAVAILABLE"},
    )
    assert _state(client, "sleepy")["state"] == "initializing"
    app.advance_clock(PROVISION)
    assert _state(client, "sleepy")["state"] == "running"
    assert _health(client, "sleepy").status_code == 200


def test_scale_to_zero_of_a_paused_endpoint_is_refused(client: httpx.Client, app: EmulatorApp) -> None:
    """A paused endpoint has no replica to stop ([I])."""
    _create(client, "both")
    client.post(f"{URL}/both/pause")
    assert client.post(f"{URL}/both/scale-to-zero").status_code == 400


def test_idle_endpoint_scales_itself_to_zero(client: httpx.Client, app: EmulatorApp) -> None:
    """After scaleToZeroTimeout idle minutes with minReplica 0; traffic resets the timer."""
    app.configure(minute_seconds=1.0)
    _create(client, "idle")  # scaleToZeroTimeout 15 -> 15 s of idleness
    app.advance_clock(PROVISION)
    assert _state(client, "idle")["state"] == "running"
    app.advance_clock(10)
    assert _health(client, "idle").status_code == 200  # traffic 10 s after running
    app.advance_clock(10)
    assert _state(client, "idle")["state"] == "running", "traffic postponed the timeout"
    app.advance_clock(6)
    status = _state(client, "idle")
    assert (status["state"], status["message"]) == ("scaledToZero", "Endpoint is scaled to zero")


def test_idle_timeout_is_observable_in_real_time() -> None:
    """With minute_seconds 0.01 (`--minute-seconds 0.01`) a 15-minute timeout elapses in 0.15 s."""
    app = EmulatorApp(provision_seconds=0.05, minute_seconds=0.01)
    client = httpx.Client(
        transport=app.transport(), base_url="http://emulator", headers={"Authorization": "Bearer t"}
    )
    _create(client, "quick")
    deadline = time.monotonic() + 5
    while _state(client, "quick")["state"] != "scaledToZero":
        assert time.monotonic() < deadline, "never scaled to zero"
        time.sleep(0.02)
    view = app.inspect(NAMESPACE, "quick")
    assert view is not None
    assert [h["state"] for h in view["history"]][-2:] == ["running", "scaledToZero"]


def test_min_replica_one_never_idles(client: httpx.Client, app: EmulatorApp) -> None:
    """No scale-to-zero without minReplica 0."""
    app.configure(minute_seconds=0.001)
    body = create_body("always")
    body["compute"]["scaling"] = {"minReplica": 1, "maxReplica": 1, "scaleToZeroTimeout": None}
    client.post(URL, json=body)
    app.advance_clock(3600)
    assert _state(client, "always")["state"] == "running"


def test_data_plane_auth_follows_the_endpoint_type(client: httpx.Client, app: EmulatorApp) -> None:
    """authenticated needs a bearer token, public does not; unknown endpoints are 404."""
    _create(client, "guarded")
    _create(client, "open", type="public")
    app.advance_clock(PROVISION)
    anonymous = httpx.Client(transport=app.transport(), base_url="http://emulator")
    assert anonymous.get(f"/endpoints/{NAMESPACE}/guarded/health").status_code == 401
    assert anonymous.get(f"/endpoints/{NAMESPACE}/open/health").status_code == 200
    assert anonymous.get(f"/endpoints/{NAMESPACE}/nobody/health").status_code == 404
    inference = client.post(f"/endpoints/{NAMESPACE}/guarded", json={"inputs": "hi"})
    assert inference.status_code == 200
    assert inference.json()[0]["generated_text"].startswith("[emulated]")


def test_resume_wakes_a_scaled_to_zero_endpoint(client: httpx.Client, app: EmulatorApp) -> None:
    """resume on scaledToZero redeploys it like a paused one."""
    _create(client, "resumable")
    app.advance_clock(PROVISION)
    client.post(f"{URL}/resumable/scale-to-zero")
    assert client.post(f"{URL}/resumable/resume").json()["status"]["state"] == "pending"
    app.advance_clock(PROVISION)
    assert _state(client, "resumable")["state"] == "running"
