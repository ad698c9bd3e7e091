"""The refusals of the live service, as the emulator gives them: namespaces, payment, access,
quota, the catalogue and snapshots of it, switches for unsure semantics, and recent fields
(reference §4.1)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from emulator_helpers import AUTH, NAMESPACE, PROVISION, TOKEN, create_body
from huggingface_hub import InferenceEndpointHardware

from pulumi_huggingface_emulator import EmulatorApp
from pulumi_huggingface_emulator.catalog import Catalogue

ORG = "emulator-org"


def _gpu(name: str, *, instance: str = "nvidia-t4", size: str = "x1", replicas: int = 1) -> dict[str, Any]:
    body = create_body(name)
    body["compute"] = {
        "accelerator": "gpu",
        "instanceType": instance,
        "instanceSize": size,
        "scaling": {"minReplica": 0, "maxReplica": replicas, "scaleToZeroTimeout": 15},
    }
    return body


# ---------------------------------------------------------------------------------------------
# Namespaces: access and payment.


def test_the_users_namespace_and_its_orgs_work_and_others_are_refused(client: httpx.Client) -> None:
    """By default the whoami user and its organisations may act; any other namespace answers 403
    with a `code`, on every endpoint route and on its hardware listing."""
    assert client.post(f"/v2/endpoint/{NAMESPACE}", json=create_body("mine")).status_code == 200
    assert client.post(f"/v2/endpoint/{ORG}", json=create_body("ours")).status_code == 200
    for method, path in [
        ("GET", "/v2/endpoint/strangers"),
        ("POST", "/v2/endpoint/strangers"),
        ("GET", "/v2/endpoint/strangers/x"),
        ("DELETE", "/v2/endpoint/strangers/x"),
        ("POST", "/v2/endpoint/strangers/x/resume"),
        ("GET", "/v2/provider/strangers"),
    ]:
        response = client.request(method, path, json=create_body("x") if method == "POST" else None)
        assert (response.status_code, response.json()) == (
            403,
            {"error": "Forbidden: You don't have access to namespace: strangers", "code": "FORBIDDEN"},
        ), (method, path)


def test_a_namespace_without_a_payment_method_answers_the_services_403(
    client: httpx.Client, app: EmulatorApp
) -> None:
    """The verbatim body of the live service; its hardware listing still answers, with every
    `maxAccelerators` 0, and whoami says the organisation cannot pay."""
    app.set_namespace(ORG, payment_method=False)
    response = client.post(f"/v2/endpoint/{ORG}", json=create_body("unbilled"))
    assert (response.status_code, response.json()) == (
        403,
        {"error": f"Forbidden: Payment method required for namespace: {ORG}", "code": "FORBIDDEN"},
    )
    assert client.get(f"/v2/endpoint/{ORG}").status_code == 403
    listing = client.get(f"/v2/provider/{ORG}").json()
    quotas = {
        c["quota"]["maxAccelerators"] for v in listing["vendors"] for r in v["regions"] for c in r["computes"]
    }
    assert quotas == {0}
    orgs = client.get("/api/whoami-v2").json()["orgs"]
    assert [(o["name"], o["canPay"]) for o in orgs] == [(ORG, False)]
    assert app.endpoint_ids() == []


def test_users_and_tokens_of_a_namespace_limit_who_acts_there(client: httpx.Client, app: EmulatorApp) -> None:
    """A namespace whose users or tokens leave out the caller answers 403 (an organisation and a
    token scoped elsewhere, [O])."""
    app.set_namespace(ORG, users=["someone-else"])
    assert client.get(f"/v2/endpoint/{ORG}").status_code == 403
    app.set_namespace(ORG, tokens=["hf_org_only"])
    response = client.get(f"/v2/endpoint/{ORG}")
    assert response.status_code == 403 and "access to namespace: emulator-org" in response.json()["error"]
    app.set_namespace(ORG, tokens=[TOKEN], users=["emulator-user"])
    assert client.get(f"/v2/endpoint/{ORG}").status_code == 200
    app.set_namespace("partners")
    assert client.get("/v2/endpoint/partners").status_code == 200, "a namespace set up works"
    assert app.remove_namespace("partners")
    assert client.get("/v2/endpoint/partners").status_code == 403


def test_namespaces_over_the_control_route(client: httpx.Client) -> None:
    """PUT, GET and DELETE /_emulator/namespaces/{name}; tokens are never shown."""
    put = client.put(
        "/_emulator/namespaces/acme",
        json={"paymentMethod": False, "tokens": ["hf_secret"], "quotas": {"nvidia-t4": 1}},
    )
    assert put.status_code == 200
    assert put.json() == {
        "name": "acme",
        "paymentMethod": False,
        "users": None,
        "tokens": ["***"],
        "maxAccelerators": None,
        "quotas": {"nvidia-t4": 1},
    }
    assert [n["name"] for n in client.get("/_emulator/namespaces").json()["namespaces"]] == ["acme"]
    assert client.put("/_emulator/namespaces/acme", json={"payment": "no"}).status_code == 400
    assert client.delete("/_emulator/namespaces/acme").status_code == 404, "acme is no namespace of the user"
    assert client.get("/_emulator/namespaces").json() == {"namespaces": []}


def test_unknown_namespaces_allowed_by_the_switch(client: httpx.Client, app: EmulatorApp) -> None:
    app.configure(unknown_namespaces="allow")
    assert client.post("/v2/endpoint/anyone", json=create_body("free")).status_code == 200


# ---------------------------------------------------------------------------------------------
# Quota.


def test_a_create_beyond_the_quota_is_409_and_stores_nothing(client: httpx.Client, app: EmulatorApp) -> None:
    """Quota counts accelerators x maxReplica per hardware type; the 409 is the service's text."""
    app.set_namespace(NAMESPACE, quotas={"nvidia-t4": 2})
    url = f"/v2/endpoint/{NAMESPACE}"
    assert client.post(url, json=_gpu("first", replicas=2)).status_code == 200
    response = client.post(url, json=_gpu("second"))
    assert (response.status_code, response.json()) == (
        409,
        {"error": "Conflict: Quota exceeded", "code": "CONFLICT"},
    )
    assert app.endpoint_ids() == [f"{NAMESPACE}/first"]
    listing = client.get(f"/v2/provider/{NAMESPACE}").json()
    (t4,) = [
        c
        for v in listing["vendors"]
        for r in v["regions"]
        for c in r["computes"]
        if c["id"] == "aws-us-east-1-nvidia-t4-x1"
    ]
    assert t4["quota"] == {"maxAccelerators": 2, "usedAccelerators": 2}


def test_paused_endpoints_free_quota_scaled_to_zero_ones_do_not(
    client: httpx.Client, app: EmulatorApp
) -> None:
    """A resume or an update that adds replicas beyond the quota is refused; nothing changes."""
    app.set_namespace(NAMESPACE, max_accelerators=1)
    url = f"/v2/endpoint/{NAMESPACE}"
    assert client.post(url, json=_gpu("a")).status_code == 200
    app.advance_clock(PROVISION)
    client.post(f"{url}/a/scale-to-zero")
    assert client.post(url, json=_gpu("b")).status_code == 409, "scaled to zero still counts"
    client.post(f"{url}/a/pause")
    assert client.post(url, json=_gpu("b")).status_code == 200, "paused does not count"
    resumed = client.post(f"{url}/a/resume")
    assert resumed.status_code == 409 and resumed.json()["error"] == "Conflict: Quota exceeded"
    assert client.get(f"{url}/a").json()["status"]["state"] == "paused"
    app.advance_clock(PROVISION)
    grown = client.put(f"{url}/b", json={"compute": {"scaling": {"maxReplica": 2}}})
    assert grown.status_code == 409
    assert client.get(f"{url}/b").json()["compute"]["scaling"]["maxReplica"] == 1
    assert client.put(f"{url}/b", json={"tags": ["same-size"]}).status_code == 200, "no new replica"


def test_without_a_payment_method_the_quota_is_zero() -> None:
    from pulumi_huggingface_emulator.namespaces import Namespace

    assert Namespace("x", payment_method=False).quota("nvidia-t4", 16) == 0
    assert Namespace("x").quota("nvidia-t4", 16) == 16
    assert Namespace("x", max_accelerators=4, quotas={"nvidia-a10g": 1}).quota("nvidia-a10g", 16) == 1


# ---------------------------------------------------------------------------------------------
# The catalogue.


def _offers(catalogue: Catalogue, vendor: str, region: str) -> set[str]:
    return {
        f"{h.instance_type}-{h.instance_size}"
        for h in catalogue.hardware
        if (h.vendor, h.region) == (vendor, region)
    }


def test_the_built_in_catalogue_matches_what_the_service_lists() -> None:
    """aws eu-west-1: only T4 x1, A10G x1 and Sapphire Rapids CPUs; H100 on GCP only; an 8xH200;
    labels are plain place names ([O] reference §4.1)."""
    catalogue = Catalogue.built_in()
    eu = _offers(catalogue, "aws", "eu-west-1")
    assert {o for o in eu if o.startswith("nvidia")} == {"nvidia-t4-x1", "nvidia-a10g-x1"}
    assert {o.rsplit("-", 1)[0] for o in eu if not o.startswith("nvidia")} == {"intel-spr"}
    assert {h.vendor for h in catalogue.hardware if h.instance_type == "nvidia-h100"} == {"gcp"}
    assert [h.num_accelerators for h in catalogue.hardware if h.instance_type == "nvidia-h200"] == [8]
    labels = {(r.vendor, r.name): r.label for r in catalogue.regions}
    assert labels[("aws", "us-east-1")] == "N. Virginia"
    assert all("(" not in label and "-" not in label for label in labels.values())


SNAPSHOT = {
    "vendors": [
        {
            "name": "aws",
            "status": "available",
            "regions": [
                {
                    "name": "eu-west-1",
                    "label": "Ireland",
                    "status": "available",
                    "computes": [
                        {
                            "id": "aws-eu-west-1-nvidia-t4-x1",
                            "accelerator": "gpu",
                            "numAccelerators": 1,
                            "numCpus": 4,
                            "memoryGb": 15,
                            "gpuMemoryGb": 16,
                            "instanceType": "nvidia-t4",
                            "instanceSize": "x1",
                            "architecture": "Nvidia T4",
                            "status": "available",
                            "pricePerHour": 0.5,
                            "quota": {"maxAccelerators": 1, "usedAccelerators": 0},
                        },
                        {
                            "id": "aws-eu-west-1-intel-spr-x2",
                            "accelerator": "cpu",
                            "numAccelerators": 1,
                            "numCpus": 2,
                            "memoryGb": 4,
                            "gpuMemoryGb": None,
                            "instanceType": "intel-spr",
                            "instanceSize": "x2",
                            "architecture": "Intel Sapphire Rapids",
                            "status": "available",
                            "pricePerHour": 0.067,
                            "quota": {"maxAccelerators": 10, "usedAccelerators": 3},
                        },
                    ],
                }
            ],
        }
    ]
}


def test_a_users_catalogue_snapshot_is_served_and_enforced(tmp_path: Path) -> None:
    """`--catalog FILE` (here `EmulatorApp(catalogue=path)`): only its hardware is offered, its
    quotas hold, and huggingface_hub parses the listing."""
    path = tmp_path / "providers.json"
    path.write_text(json.dumps(SNAPSHOT))
    app = EmulatorApp(token=TOKEN, provision_seconds=PROVISION, catalogue=path)
    with httpx.Client(transport=app.transport(), base_url="http://emulator", headers=AUTH) as client:
        url = f"/v2/endpoint/{NAMESPACE}"
        eu = {"vendor": "aws", "region": "eu-west-1"}
        refused = client.post(url, json=create_body("icl"))
        assert refused.status_code == 400 and "'aws' - 'us-east-1' not found" in refused.json()["error"]
        body = _gpu("t4", replicas=1) | {"provider": eu}
        assert client.post(url, json=body).status_code == 200
        assert client.post(url, json=_gpu("t4-again") | {"provider": eu}).status_code == 409
        listing = client.get(f"/v2/provider/{NAMESPACE}").json()
        (computes,) = [r["computes"] for v in listing["vendors"] for r in v["regions"]]
        assert [(c["id"], c["quota"]) for c in computes] == [
            ("aws-eu-west-1-nvidia-t4-x1", {"maxAccelerators": 1, "usedAccelerators": 1}),
            ("aws-eu-west-1-intel-spr-x2", {"maxAccelerators": 10, "usedAccelerators": 0}),
        ]
        assert listing["vendors"][0]["regions"][0]["label"] == "Ireland"
        parsed = InferenceEndpointHardware.from_raw(computes[0], vendor="aws", region="eu-west-1")
        assert (parsed.id, parsed.max_accelerators, parsed.used_accelerators) == (
            "aws-eu-west-1-nvidia-t4-x1",
            1,
            1,
        )


def test_the_command_line_loads_a_catalogue_and_namespaces(tmp_path: Path) -> None:
    """`--catalog FILE --namespace acme:payment=no` as a user's CI would start it."""
    path = tmp_path / "providers.json"
    path.write_text(json.dumps(SNAPSHOT))
    command = [sys.executable, "-m", "pulumi_huggingface_emulator", "--token", TOKEN, "--catalog", str(path)]
    command += ["--org", "acme", "--namespace", "acme:payment=no"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            base_url = process.stdout.readline().strip()
            listed = httpx.get(f"{base_url}/provider/{NAMESPACE}", headers=AUTH).json()
            assert [r["name"] for v in listed["vendors"] for r in v["regions"]] == ["eu-west-1"]
            refused = httpx.post(f"{base_url}/endpoint/acme", json=create_body("x"), headers=AUTH)
            assert refused.json()["error"] == "Forbidden: Payment method required for namespace: acme"
        finally:
            process.terminate()
            _, errors = process.communicate(timeout=10)
    assert process.returncode == 0, errors
    bad = tmp_path / "bad.json"
    bad.write_text('{"vendors": [{"name": "aws"}]}')
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_huggingface_emulator", "--catalog", str(bad)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0 and "vendor aws has no 'regions' list" in result.stderr


# ---------------------------------------------------------------------------------------------
# Switches for unsure semantics, and fields of recent answers.


def test_route_merged_or_replaced(client: httpx.Client, app: EmulatorApp) -> None:
    url = f"/v2/endpoint/{NAMESPACE}"
    client.post(url, json=create_body("routed", route={"path": "/v1"}))
    merged = client.put(f"{url}/routed", json={"route": {"domain": "a.example"}}).json()
    assert merged["route"] == {"path": "/v1", "domain": "a.example"}
    app.configure(route_update="replace")
    replaced = client.put(f"{url}/routed", json={"route": {"domain": "b.example"}}).json()
    assert replaced["route"] == {"domain": "b.example"}


def test_put_and_delete_while_updating(client: httpx.Client, app: EmulatorApp) -> None:
    """Accepted by default; 409 under while_updating="conflict" until the update is done."""
    url = f"/v2/endpoint/{NAMESPACE}"
    client.post(url, json=create_body("busy"))
    app.advance_clock(PROVISION)
    app.configure(while_updating="conflict")
    assert client.put(f"{url}/busy", json={"tags": ["one"]}).json()["status"]["state"] == "updating"
    again = client.put(f"{url}/busy", json={"tags": ["two"]})
    assert (again.status_code, again.json()["code"]) == (409, "CONFLICT")
    assert client.delete(f"{url}/busy").status_code == 409
    assert client.get(f"{url}/busy").json()["tags"] == ["one"]
    app.advance_clock(PROVISION)
    assert client.delete(f"{url}/busy").status_code == 200
    app.configure(while_updating="accept")
    client.post(url, json=create_body("calm"))
    app.advance_clock(PROVISION)
    client.put(f"{url}/calm", json={"tags": ["one"]})
    assert client.put(f"{url}/calm", json={"tags": ["two"]}).status_code == 200
    assert client.delete(f"{url}/calm").status_code == 200


def test_cache_http_responses_top_level_or_experimental(client: httpx.Client, app: EmulatorApp) -> None:
    """Top-level by default (what huggingface_hub sends); under "experimental" neither the top-level
    key nor a non-admin's `experimentalFeatures.cacheHttpResponses` is kept or read back."""
    url = f"/v2/endpoint/{NAMESPACE}"
    assert client.post(url, json=create_body("c1", cacheHttpResponses=True)).json()["cacheHttpResponses"]
    app.configure(cache_http_responses="experimental")
    body = create_body("c2", cacheHttpResponses=True, experimentalFeatures={"cacheHttpResponses": True})
    created = client.post(url, json=body).json()
    assert "cacheHttpResponses" not in created and created["experimentalFeatures"] == {}
    updated = client.put(f"{url}/c2", json={"cacheHttpResponses": False}).json()
    assert "cacheHttpResponses" not in updated


def test_recent_fields_are_sent(client: httpx.Client, app: EmulatorApp) -> None:
    """notifications, network, status.lastUsedAt and inferenceMetricsEnabled, accountId null, and
    the list's totalItems and prevCursor."""
    url = f"/v2/endpoint/{NAMESPACE}"
    for name in ("f1", "f2", "f3"):
        client.post(url, json=create_body(name))
    document = client.get(f"{url}/f1").json()
    assert {"notifications", "network"} <= set(document) and document["accountId"] is None
    assert document["status"]["lastUsedAt"] is None
    assert document["status"]["inferenceMetricsEnabled"] is False
    app.advance_clock(PROVISION)
    client.post(f"/endpoints/{NAMESPACE}/f1", json={"inputs": "hi"})
    assert client.get(f"{url}/f1").json()["status"]["lastUsedAt"].endswith("Z")
    first = client.get(url, params={"limit": 2}).json()
    assert (first["totalItems"], first["prevCursor"]) == (3, None)
    second = client.get(url, params={"limit": 2, "cursor": first["nextCursor"]}).json()
    assert [e["name"] for e in second["items"]] == ["f3"] and second["prevCursor"] == ""
