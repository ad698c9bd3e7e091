"""Fault injection, request counts, drift and the control routes."""

from __future__ import annotations

import time

import httpx
import pytest
from emulator_helpers import AUTH, NAMESPACE, PROVISION, TOKEN, create_body
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError

from pulumi_huggingface_emulator import EmulatorApp, EmulatorServer, FaultRule

URL = f"/v2/endpoint/{NAMESPACE}"
CREATE_ROUTE = "/v2/endpoint/{namespace}"
ENDPOINT_ROUTE = "/v2/endpoint/{namespace}/{name}"


def test_rate_limit_answers_429_with_retry_after(client: httpx.Client, app: EmulatorApp) -> None:
    """A rate_limit fault answers 429, `Retry-After` and a JSON error."""
    app.add_fault("rate_limit", retry_after=7)
    response = client.get(URL)
    assert (response.status_code, response.headers["Retry-After"]) == (429, "7")
    assert response.json() == {"error": "Too Many Requests"}


def test_rate_limit_reaches_huggingface_hub_as_an_http_error(hf_api: HfApi, server: EmulatorServer) -> None:
    """huggingface_hub surfaces the 429 as HfHubHTTPError (it does not retry these calls)."""
    server.app.add_fault("rate_limit", times=1)
    with pytest.raises(HfHubHTTPError) as error:
        hf_api.list_inference_endpoints(namespace=NAMESPACE, token=TOKEN)
    assert error.value.response.status_code == 429
    assert hf_api.list_inference_endpoints(namespace=NAMESPACE, token=TOKEN) == []


@pytest.mark.parametrize(
    ("status", "message"),
    [(500, "Internal Server Error"), (502, "Bad Gateway"), (503, "Service Unavailable")],
)
def test_server_error(client: httpx.Client, app: EmulatorApp, status: int, message: str) -> None:
    """A server_error fault answers the chosen 5xx before the request takes effect."""
    app.add_fault("server_error", status=status)
    response = client.post(URL, json=create_body("never"))
    assert (response.status_code, response.json()) == (status, {"error": message})
    app.clear_faults()
    assert client.get(f"{URL}/never").status_code == 404


def test_drop_in_process_raises_httpx_remote_protocol_error(client: httpx.Client, app: EmulatorApp) -> None:
    """In process, a dropped connection is the error httpx raises for a server that hung up."""
    app.add_fault("drop", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(URL)
    assert client.get(URL).status_code == 200


def test_drop_on_the_real_server_closes_the_socket(server: EmulatorServer) -> None:
    """On loopback the server closes the connection without a status line."""
    server.app.add_fault("drop", times=1)
    with httpx.Client(base_url=server.base_url, headers=AUTH) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.get(f"/endpoint/{NAMESPACE}")
        assert http.get(f"/endpoint/{NAMESPACE}").status_code == 200


def test_lost_create_answer_still_creates_the_endpoint(server: EmulatorServer) -> None:
    """drop with after=True on POST create: the endpoint IS created, the answer is lost, and a
    retried create meets 409."""
    server.app.add_fault("drop", method="POST", route=CREATE_ROUTE, after=True, times=1)
    with httpx.Client(base_url=server.base_url, headers=AUTH) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.post(f"/endpoint/{NAMESPACE}", json=create_body("ghost-write"))
        assert http.get(f"/endpoint/{NAMESPACE}/ghost-write").status_code == 200
        assert http.post(f"/endpoint/{NAMESPACE}", json=create_body("ghost-write")).status_code == 409


def test_server_error_after_the_effect(client: httpx.Client, app: EmulatorApp) -> None:
    """server_error with after=True: a 502 answer for an update that was applied."""
    client.post(URL, json=create_body("applied"))
    app.add_fault("server_error", status=502, method="PUT", after=True)
    assert client.put(f"{URL}/applied", json={"tags": ["x"]}).status_code == 502
    assert client.get(f"{URL}/applied").json()["tags"] == ["x"]


def test_faults_are_scoped_by_method_route_and_endpoint(client: httpx.Client, app: EmulatorApp) -> None:
    """Only matching requests get the fault."""
    client.post(URL, json=create_body("one"))
    client.post(URL, json=create_body("two"))
    app.add_fault("server_error", method="GET", route=ENDPOINT_ROUTE, endpoint=f"{NAMESPACE}/one")
    assert client.get(f"{URL}/one").status_code == 503
    assert client.get(f"{URL}/two").status_code == 200
    assert client.get(URL).status_code == 200
    assert client.put(f"{URL}/one", json={}).status_code == 200


def test_times_limits_a_fault(client: httpx.Client, app: EmulatorApp) -> None:
    """A fault with times=N fires N times and then stops matching."""
    rule = app.add_fault("rate_limit", times=2)
    assert [client.get(URL).status_code for _ in range(4)] == [429, 429, 200, 200]
    assert rule.fired == 2


def test_latency(client: httpx.Client, app: EmulatorApp) -> None:
    """A latency fault delays the answer but does not change it."""
    app.add_fault("latency", seconds=0.2, times=1)
    start = time.monotonic()
    assert client.get(URL).status_code == 200
    assert time.monotonic() - start >= 0.2


def _pattern(seed: int) -> list[int]:
    app = EmulatorApp(seed=seed)
    app.add_fault("server_error", rate=0.5)
    http = httpx.Client(transport=app.transport(), base_url="http://e", headers=AUTH)
    return [http.get(URL).status_code for _ in range(40)]


def test_fault_draws_repeat_for_a_seed() -> None:
    """The same seed and request order give the same faults; rate 0.5 hits some, not all."""
    first = _pattern(3)
    assert first == _pattern(3)
    assert 5 < first.count(503) < 35
    assert first != _pattern(4)


def test_request_counts_by_route_and_endpoint(client: httpx.Client, app: EmulatorApp) -> None:
    """Counts by "METHOD /route/{template}" and by endpoint; control routes are not counted."""
    client.post(URL, json=create_body("counted"))
    client.get(f"{URL}/counted")
    client.get(f"{URL}/counted")
    client.get(URL)
    client.get(f"/endpoints/{NAMESPACE}/counted/health")
    client.get("/_emulator/settings")
    counts = client.get("/_emulator/requests").json()
    assert counts == {
        "total": 5,
        "byRoute": {
            f"POST {CREATE_ROUTE}": 1,
            f"GET {ENDPOINT_ROUTE}": 2,
            f"GET {CREATE_ROUTE}": 1,
            "GET /endpoints/{namespace}/{name}/{path}": 1,
        },
        "byEndpoint": {f"{NAMESPACE}/counted": 3},
    }
    assert app.request_counts() == counts
    assert client.delete("/_emulator/requests").json()["total"] == 0
    assert app.request_counts() == {"total": 0, "byRoute": {}, "byEndpoint": {}}


def test_faulted_requests_are_counted(client: httpx.Client, app: EmulatorApp) -> None:
    """A request that got a fault was still made, and counts."""
    app.add_fault("drop", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(URL)
    assert app.request_counts()["byRoute"] == {f"GET {CREATE_ROUTE}": 1}


def test_fault_control_routes(client: httpx.Client, app: EmulatorApp) -> None:
    """POST, GET and DELETE /_emulator/faults manage the same rules as the Python methods."""
    created = client.post("/_emulator/faults", json={"kind": "server_error", "status": 500, "method": "post"})
    assert created.status_code == 201
    rule = created.json()
    assert (rule["kind"], rule["method"], rule["id"]) == ("server_error", "POST", 1)
    assert client.post(URL, json=create_body("x")).status_code == 500
    assert [r["id"] for r in client.get("/_emulator/faults").json()["faults"]] == [1]
    assert isinstance(app.faults.rules()[0], FaultRule)
    assert client.delete("/_emulator/faults/1").json() == {}
    assert client.delete("/_emulator/faults/1").status_code == 404
    client.post("/_emulator/faults", json={"kind": "latency", "seconds": 0})
    assert client.delete("/_emulator/faults").json() == {"faults": []}
    assert client.post("/_emulator/faults", json={"kind": "earthquake"}).status_code == 400
    assert client.post("/_emulator/faults", json={"kind": "drop", "rate": 2}).status_code == 400


def test_endpoint_fault_and_unloadable_control_routes(client: httpx.Client) -> None:
    """Lifecycle faults and unloadable repositories can be set over HTTP too."""
    assert (
        client.post(
            f"/_emulator/endpoints/{NAMESPACE}/doomed/fault", json={"on": "create", "outcome": "stuck"}
        ).json()
        == {}
    )
    assert (
        client.post(f"/_emulator/endpoints/{NAMESPACE}/doomed/fault", json={"on": "delete"}).status_code
        == 400
    )
    assert client.post("/_emulator/unloadable", json={"repository": "acme/bad"}).json() == {
        "repositories": ["acme/bad"],
        "prefix": "unloadable",
    }
    client.post(URL, json=create_body("doomed"))
    client.post("/_emulator/clock", json={"advance": 60})
    assert client.get(f"{URL}/doomed").json()["status"]["state"] == "initializing"


def test_clock_control(client: httpx.Client, app: EmulatorApp) -> None:
    """POST /_emulator/clock moves the clock forward and only forward."""
    before = client.get("/_emulator/clock").json()["now"]
    after = client.post("/_emulator/clock", json={"advance": 100}).json()
    assert after["now"] >= before + 100 and after["iso"].endswith("Z")
    assert client.post("/_emulator/clock", json={"advance": -1}).status_code == 400
    with pytest.raises(ValueError):
        app.advance_clock(-1)


def test_drift_changes_stored_config_without_an_update_phase(client: httpx.Client, app: EmulatorApp) -> None:
    """Drift as from the web UI: config merged at once, state forced, switches not applied."""
    client.post(URL, json=create_body("drifty"))
    app.advance_clock(PROVISION)
    app.drift(NAMESPACE, "drifty", {"compute": {"scaling": {"scaleToZeroTimeout": 60}}})
    document = client.get(f"{URL}/drifty").json()
    assert document["compute"]["scaling"]["scaleToZeroTimeout"] == 60
    assert document["status"]["state"] == "running"
    view = client.patch(f"/_emulator/endpoints/{NAMESPACE}/drifty", json={"state": "paused"}).json()
    assert view["state"] == "paused"
    assert client.get(f"{URL}/drifty").json()["status"]["state"] == "paused"
    bad = client.patch(
        f"/_emulator/endpoints/{NAMESPACE}/drifty",
        json={"config": {"compute": {"scaling": {"scaleToZeroTimeout": 1}}}},
    )
    assert bad.status_code == 400
    assert (
        client.patch(f"/_emulator/endpoints/{NAMESPACE}/nobody", json={"state": "paused"}).status_code == 404
    )
    assert (
        client.patch(f"/_emulator/endpoints/{NAMESPACE}/drifty", json={"state": "exploded"}).status_code
        == 400
    )


def test_reset_forgets_everything(client: httpx.Client, app: EmulatorApp) -> None:
    """POST /_emulator/reset deletes endpoints and clears faults and counts."""
    client.post(URL, json=create_body("gone"))
    app.add_fault("latency", seconds=0)
    assert client.post("/_emulator/reset").json() == {}
    assert app.faults.rules() == [] and app.request_counts()["total"] == 0
    assert client.get(URL).json()["items"] == []


def test_unknown_routes_and_methods(client: httpx.Client) -> None:
    """Unknown paths answer 404, wrong methods 405, both as JSON."""
    assert client.get("/v2/nothing").json() == {"error": "Not Found"}
    response = client.patch(f"{URL}/x")
    assert (response.status_code, response.json()) == (405, {"error": "Method Not Allowed"})
