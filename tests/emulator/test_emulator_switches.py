"""Each switch for a behaviour the reference is unsure of, observed both ways."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from emulator_helpers import NAMESPACE, PROVISION, create_body

from pulumi_huggingface_emulator import EmulatorApp, Settings
from pulumi_huggingface_emulator.settings import parse_provision_seconds

URL = f"/v2/endpoint/{NAMESPACE}"


def _running(client: httpx.Client, app: EmulatorApp, name: str, **overrides: Any) -> None:
    assert client.post(URL, json=create_body(name, **overrides)).status_code == 200
    app.advance_clock(PROVISION)


@pytest.mark.parametrize("status", [200, 202])
def test_create_status(client: httpx.Client, app: EmulatorApp, status: int) -> None:
    """Create answers 200 by default ([D] current), 202 when switched ([D] 2022 reference)."""
    app.configure(create_status=status)
    assert client.post(URL, json=create_body("made")).status_code == status


def test_name_is_free_at_once_after_delete_by_default(client: httpx.Client) -> None:
    """Delete answers 200 `{}`; the name can be reused at once."""
    client.post(URL, json=create_body("reuse"))
    deleted = client.delete(f"{URL}/reuse")
    assert (deleted.status_code, deleted.json()) == (200, {})
    assert client.post(URL, json=create_body("reuse")).status_code == 200


def test_name_release_delay(client: httpx.Client, app: EmulatorApp) -> None:
    """While the name is held the endpoint is gone (404, not listed) but create answers 409."""
    app.configure(name_release_seconds=30)
    client.post(URL, json=create_body("held"))
    client.delete(f"{URL}/held")
    assert client.get(f"{URL}/held").status_code == 404
    assert client.get(URL).json()["items"] == []
    held = client.post(URL, json=create_body("held"))
    assert (held.status_code, held.json()) == (
        409,
        {"error": "An endpoint with the same name already exists", "code": "CONFLICT"},
    )
    app.advance_clock(31)
    assert client.post(URL, json=create_body("held")).status_code == 200


def test_update_lag(client: httpx.Client, app: EmulatorApp) -> None:
    """A PUT shows `updating` at once by default; with a lag the endpoint first keeps its previous
    state and `updatedAt` while the new configuration reads back, then updates as usual."""
    _running(client, app, "lagged")
    assert (
        client.put(f"{URL}/lagged", json={"compute": {"scaling": {"maxReplica": 2}}}).json()["status"][
            "state"
        ]
        == "updating"
    )
    app.advance_clock(PROVISION)
    app.configure(update_lag_seconds=10)
    before = client.get(f"{URL}/lagged").json()["status"]
    put = client.put(f"{URL}/lagged", json={"compute": {"scaling": {"maxReplica": 3}}}).json()
    assert put["compute"]["scaling"]["maxReplica"] == 3
    assert (put["status"]["state"], put["status"]["updatedAt"]) == ("running", before["updatedAt"])
    app.advance_clock(10)
    shown = client.get(f"{URL}/lagged").json()["status"]
    assert shown["state"] == "updating" and shown["updatedAt"] > before["updatedAt"]
    app.advance_clock(PROVISION)
    assert client.get(f"{URL}/lagged").json()["status"]["state"] == "running"


@pytest.mark.parametrize(
    ("answer", "status", "state"),
    [("keep", 200, "paused"), ("redeploy", 200, "updating"), ("refuse", 400, "paused")],
)
def test_paused_update(client: httpx.Client, app: EmulatorApp, answer: str, status: int, state: str) -> None:
    """A PUT on a paused endpoint is kept for the resume by default ([I]); it may instead wake the
    endpoint, or be refused with nothing changed."""
    _running(client, app, "sleeper")
    client.post(f"{URL}/sleeper/pause")
    app.configure(paused_update=answer)
    put = client.put(f"{URL}/sleeper", json={"compute": {"scaling": {"maxReplica": 2}}})
    assert put.status_code == status
    shown = client.get(f"{URL}/sleeper").json()
    assert shown["status"]["state"] == state
    assert shown["compute"]["scaling"]["maxReplica"] == (1 if answer == "refuse" else 2)
    if answer == "refuse":
        assert put.json()["error"] == "Bad Request: Endpoint is paused"


def test_pause_while_deploying(client: httpx.Client, app: EmulatorApp) -> None:
    """Pause is accepted mid-deployment by default ([I]); refused with 400 when switched, and
    accepted again once the deployment is over."""
    assert client.post(URL, json=create_body("early")).status_code == 200
    assert client.post(f"{URL}/early/pause").json()["status"]["state"] == "paused"
    app.configure(pause_while_deploying="refuse")
    assert client.post(URL, json=create_body("busy")).status_code == 200
    refused = client.post(f"{URL}/busy/pause")
    assert (refused.status_code, refused.json()["error"]) == (400, "Bad Request: Endpoint is being deployed")
    assert client.get(f"{URL}/busy").json()["status"]["state"] in ("pending", "initializing")
    app.advance_clock(PROVISION)
    assert client.post(f"{URL}/busy/pause").json()["status"]["state"] == "paused"


def test_type_update(client: httpx.Client, app: EmulatorApp) -> None:
    """`type` changes in place by default ([O]); refused with 400 when switched."""
    _running(client, app, "typed")
    assert client.put(f"{URL}/typed", json={"type": "public"}).json()["type"] == "public"
    app.configure(type_update="refuse")
    refused = client.put(f"{URL}/typed", json={"type": "private"})
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "Bad Request: The type of an endpoint cannot be changed from public to private",
        "code": "BAD_REQUEST",
    }
    assert client.put(f"{URL}/typed", json={"type": "public"}).status_code == 200, "an unchanged type is fine"


def test_accelerator_switch(client: httpx.Client, app: EmulatorApp) -> None:
    """cpu -> gpu is refused by default ([D] 2023 docs), allowed when switched."""
    _running(client, app, "accel")
    to_gpu = {"compute": {"accelerator": "gpu", "instanceType": "nvidia-t4", "instanceSize": "x1"}}
    refused = client.put(f"{URL}/accel", json=to_gpu)
    assert refused.status_code == 400 and "from cpu to gpu" in refused.json()["error"]
    app.configure(accelerator_switch="allow")
    allowed = client.put(f"{URL}/accel", json=to_gpu)
    assert allowed.status_code == 200
    assert allowed.json()["compute"]["id"] == "aws-us-east-1-nvidia-t4-x1"


@pytest.mark.parametrize(("sent", "as_sent"), [(None, None), ("main", "main"), ("F" * 40, "F" * 40)])
def test_revision_readback(
    client: httpx.Client, app: EmulatorApp, sent: str | None, as_sent: str | None
) -> None:
    """Revision reads back as a 40-hex SHA by default ([D]), or as sent when switched."""
    body = create_body("rev")
    body["model"]["revision"] = sent
    sha = client.post(URL, json=body).json()["model"]["revision"]
    assert re.fullmatch(r"[0-9a-f]{40}", sha)
    app.configure(revision_readback="as_sent")
    assert client.get(f"{URL}/rev").json()["model"]["revision"] == as_sent


def test_revision_sha_is_stable_and_follows_the_revision(client: httpx.Client) -> None:
    """The same repository and revision always resolve to the same SHA; another revision differs."""
    first = client.post(URL, json=create_body("r1")).json()["model"]["revision"]
    again = client.post(URL, json=create_body("r2")).json()["model"]["revision"]
    changed = client.put(f"{URL}/r2", json={"model": {"revision": "v2"}}).json()["model"]["revision"]
    assert first == again != changed


def test_stale_timeout(client: httpx.Client, app: EmulatorApp) -> None:
    """Raising minReplica to 1 with a stored timeout: cleared by default (what lets huggingface_hub,
    which cannot send null, turn scale-to-zero off); 400 under stale_timeout="refuse"."""
    _running(client, app, "stale")
    app.configure(stale_timeout="refuse")
    refused = client.put(f"{URL}/stale", json={"compute": {"scaling": {"minReplica": 1}}})
    assert refused.status_code == 400
    assert "send scaleToZeroTimeout: null" in refused.json()["error"]
    assert client.get(f"{URL}/stale").json()["compute"]["scaling"]["minReplica"] == 0
    app.configure(stale_timeout="clear")
    cleared = client.put(f"{URL}/stale", json={"compute": {"scaling": {"minReplica": 1}}})
    assert cleared.status_code == 200
    assert cleared.json()["compute"]["scaling"]["scaleToZeroTimeout"] is None


def test_list_pagination(client: httpx.Client, app: EmulatorApp) -> None:
    """No limit: one page with every endpoint (huggingface_hub ignores `nextCursor`). With a
    limit or `list_page_size`, pages chain through `nextCursor`."""
    for name in ("e1", "e2", "e3", "e4", "e5"):
        client.post(URL, json=create_body(name))
    everything = client.get(URL).json()
    assert [i["name"] for i in everything["items"]] == ["e1", "e2", "e3", "e4", "e5"]
    assert "nextCursor" not in everything
    app.configure(list_page_size=2)
    names, cursor, pages = [], None, 0
    while True:
        page = client.get(URL, params={"cursor": cursor} if cursor else None).json()
        names += [i["name"] for i in page["items"]]
        pages += 1
        cursor = page.get("nextCursor")
        if cursor is None:
            break
    assert (names, pages) == (["e1", "e2", "e3", "e4", "e5"], 3)
    assert [i["name"] for i in client.get(URL, params={"limit": 4}).json()["items"]] == [
        "e1",
        "e2",
        "e3",
        "e4",
    ]


def test_list_filters_by_tag_and_search(client: httpx.Client) -> None:
    """`tags` (comma-separated, any of them) and `search` (name substring) filter the list."""
    client.post(URL, json=create_body("alpha-one", tags=["prod"]))
    client.post(URL, json=create_body("alpha-two", tags=["dev"]))
    client.post(URL, json=create_body("beta", tags=["prod", "eu"]))
    assert [i["name"] for i in client.get(URL, params={"tags": "prod"}).json()["items"]] == [
        "alpha-one",
        "beta",
    ]
    assert [i["name"] for i in client.get(URL, params={"search": "alpha"}).json()["items"]] == [
        "alpha-one",
        "alpha-two",
    ]


def test_settings_over_the_control_route(client: httpx.Client, app: EmulatorApp) -> None:
    """PUT /_emulator/settings changes switches; an invalid value is a 400 and changes nothing."""
    changed = client.put("/_emulator/settings", json={"create_status": 202, "provision_seconds": [1, 2]})
    assert changed.status_code == 200
    assert (changed.json()["create_status"], changed.json()["provision_seconds"]) == (202, [1, 2])
    assert app.settings.provision_seconds == (1, 2)
    assert client.put("/_emulator/settings", json={"create_status": 201}).status_code == 400
    assert client.put("/_emulator/settings", json={"no_such_switch": 1}).status_code == 400
    assert client.get("/_emulator/settings").json()["create_status"] == 202


def test_settings_reject_bad_values() -> None:
    """Each switch accepts only its documented answers."""
    with pytest.raises(ValueError, match="accelerator_switch"):
        Settings(accelerator_switch="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="provision_seconds"):
        Settings(provision_seconds=(5.0, 1.0))


def test_provision_seconds_range_is_a_seeded_draw() -> None:
    """`--provision-seconds 2..20` draws each duration from the range, repeatably for a seed."""
    assert parse_provision_seconds("2..20") == (2.0, 20.0)
    assert parse_provision_seconds("0.5") == 0.5

    def durations(seed: int) -> list[float]:
        app = EmulatorApp(seed=seed, provision_seconds=(2.0, 20.0))
        client = httpx.Client(
            transport=app.transport(), base_url="http://e", headers={"Authorization": "Bearer t"}
        )
        result = []
        for index in range(5):
            client.post(URL, json=create_body(f"d{index}"))
            view = app.inspect(NAMESPACE, f"d{index}")
            assert view is not None
            result.append(view["plan"][-1]["at"] - view["since"])
        return result

    first = durations(7)
    assert all(2.0 <= d <= 20.0 for d in first)
    assert len(set(first)) == 5
    assert durations(7) == pytest.approx(first)
    assert durations(8) != pytest.approx(first)


@pytest.mark.parametrize("query", [{"limit": "ten"}, {"limit": "0"}, {"cursor": "%%%"}])
def test_bad_list_queries_are_400(client: httpx.Client, query: dict[str, str]) -> None:
    """A limit that is not a positive integer, or a cursor the emulator never issued, is a 400."""
    response = client.get(URL, params=query)
    assert response.status_code == 400 and "error" in response.json()


def test_plain_wsgi_transport_serves_the_app(app: EmulatorApp) -> None:
    """The app is a plain WSGI callable: httpx's own WSGITransport drives it too."""
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://emulator") as plain:
        assert plain.get("/v2/provider").json()["vendors"][0]["name"] == "aws"
