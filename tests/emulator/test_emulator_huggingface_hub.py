"""huggingface_hub 2.x, unchanged but for its base URL, drives the emulator over loopback HTTP.

This is the emulator's fidelity check: the official client must parse every answer, `wait()`
must succeed through the data plane, and errors must map to the exceptions the client raises
against the real service (reference §2, §4, §7).
"""

from __future__ import annotations

import re

import httpx
import pytest
from emulator_helpers import AUTH, NAMESPACE, TOKEN, create_body
from huggingface_hub import HfApi, InferenceEndpoint
from huggingface_hub.errors import BadRequestError, HfHubHTTPError, InferenceEndpointError

from pulumi_huggingface_emulator import EmulatorServer

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _create(hf_api: HfApi, name: str, **kwargs: object) -> InferenceEndpoint:
    options: dict[str, object] = {
        "repository": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
        "framework": "pytorch",
        "task": "text-classification",
        "accelerator": "cpu",
        "vendor": "aws",
        "region": "us-east-1",
        "instance_size": "x2",
        "instance_type": "intel-icl",
        "token": TOKEN,
    }
    options.update(kwargs)
    return hf_api.create_inference_endpoint(name, **options)  # type: ignore[arg-type]


def _wait(endpoint: InferenceEndpoint) -> InferenceEndpoint:
    return endpoint.wait(timeout=10, refresh_every=0.05)  # type: ignore[arg-type]


def test_full_lifecycle_through_the_official_client(hf_api: HfApi) -> None:
    """Create (namespace from whoami), get, list, wait, update, pause, resume, scale to zero, delete."""
    endpoint = _create(hf_api, "lifecycle", min_replica=0, scale_to_zero_timeout=30)
    assert (endpoint.namespace, endpoint.status, endpoint.url) == (NAMESPACE, "pending", None)

    fetched = hf_api.get_inference_endpoint("lifecycle", token=TOKEN)
    assert fetched.raw["compute"]["scaling"]["scaleToZeroTimeout"] == 30
    assert [e.name for e in hf_api.list_inference_endpoints(token=TOKEN)] == ["lifecycle"]

    _wait(endpoint)
    assert endpoint.status == "running"
    assert endpoint.url is not None and endpoint.url.endswith(f"/endpoints/{NAMESPACE}/lifecycle")

    updated = hf_api.update_inference_endpoint("lifecycle", scale_to_zero_timeout=60, token=TOKEN)
    assert updated.status == "updating"
    assert updated.raw["compute"]["scaling"]["scaleToZeroTimeout"] == 60
    assert _wait(updated).status == "running"

    assert hf_api.pause_inference_endpoint("lifecycle", token=TOKEN).status == "paused"
    resumed = hf_api.resume_inference_endpoint("lifecycle", token=TOKEN)
    assert resumed.status == "pending"
    assert _wait(resumed).status == "running"
    # running_ok=True (the default) turns the 400 "already running" into a GET.
    assert hf_api.resume_inference_endpoint("lifecycle", token=TOKEN).status == "running"
    with pytest.raises(BadRequestError, match="already running"):
        hf_api.resume_inference_endpoint("lifecycle", running_ok=False, token=TOKEN)

    scaled = hf_api.scale_to_zero_inference_endpoint("lifecycle", token=TOKEN)
    assert scaled.status == "scaledToZero"
    assert scaled.url == endpoint.url

    hf_api.delete_inference_endpoint("lifecycle", token=TOKEN)
    with pytest.raises(HfHubHTTPError) as missing:
        hf_api.get_inference_endpoint("lifecycle", token=TOKEN)
    assert missing.value.response.status_code == 404
    assert hf_api.list_inference_endpoints(token=TOKEN) == []


def test_response_carries_every_field_of_the_reference(hf_api: HfApi) -> None:
    """The JSON has the fields of reference §7, normalised as the real server normalises them."""
    endpoint = _create(
        hf_api,
        "fields",
        min_replica=0,
        env={"LOG_LEVEL": "debug"},
        secrets={"API_KEY": "s3cret"},
        tags=["team-a"],
        scaling_metric="pendingRequests",
        scaling_threshold=2.0,
    )
    raw = _wait(endpoint).raw
    assert raw["name"] == "fields"
    assert raw["type"] == "authenticated"
    assert raw["healthRoute"] == "/health"
    assert raw["provider"] == {"vendor": "aws", "region": "us-east-1"}
    assert raw["tags"] == ["team-a"]
    assert raw["compute"] == {
        "accelerator": "cpu",
        "instanceType": "intel-icl",
        "instanceSize": "x2",
        "id": "aws-us-east-1-intel-icl-x2",
        # minReplica 0 without a timeout gets the server default of 15.
        "scaling": {
            "minReplica": 0,
            "maxReplica": 1,
            "scaleToZeroTimeout": 15,
            "metric": "pendingRequests",
            "measure": {"pendingRequests": 2.0},
        },
    }
    model = raw["model"]
    assert re.fullmatch(r"[0-9a-f]{40}", model["revision"])
    assert model["task"] == "text-classification"
    assert model["image"] == {"huggingface": {}}
    assert model["env"] == {"LOG_LEVEL": "debug"}
    assert model["secrets"] == {}, "secret values are never read back"
    status = raw["status"]
    assert status["state"] == "running"
    assert status["readyReplica"] == status["targetReplica"] == 1
    assert status["createdBy"] == status["updatedBy"] == {"id": status["createdBy"]["id"], "name": NAMESPACE}
    assert TIMESTAMP.match(status["createdAt"]) and TIMESTAMP.match(status["updatedAt"])
    assert status["message"] == "Endpoint is ready"
    assert status["private"] is None


def test_task_is_present_and_null_when_not_sent(hf_api: HfApi) -> None:
    """huggingface_hub omits a None task; the key still comes back, as null."""
    endpoint = _create(hf_api, "no-task", task=None)
    assert "task" in endpoint.raw["model"] and endpoint.task is None


def test_custom_image_defaults_and_redacted_credentials(hf_api: HfApi) -> None:
    """Image defaults are filled in and registry credentials come back redacted."""
    endpoint = _create(
        hf_api,
        "custom-image",
        accelerator="gpu",
        instance_type="nvidia-l4",
        instance_size="x1",
        custom_image={"tgi": {"url": "ghcr.io/huggingface/text-generation-inference:3.1.1"}},
    )
    assert endpoint.raw["model"]["image"] == {
        "tgi": {
            "url": "ghcr.io/huggingface/text-generation-inference:3.1.1",
            "port": 80,
            "healthRoute": "/health",
            "disableCustomKernels": False,
        }
    }
    private = _create(
        hf_api,
        "private-registry",
        custom_image={"url": "registry.example/model:1", "healthRoute": "/ready", "port": 8080},
        container_registry_username="robot",
        container_registry_password="hunter2",
    )
    assert private.raw["model"]["image"]["custom"]["credentials"] == {"username": "", "password": None}
    assert private.raw["healthRoute"] == "/ready"
    assert _wait(private).status == "running", "wait() probes the image's own health route"


def test_hardware_listing_parses_and_flags_unavailable_offers(hf_api: HfApi) -> None:
    """`list_inference_endpoints_hardware` parses the catalogue; used quota follows the endpoints."""
    _create(
        hf_api, "quota", accelerator="gpu", instance_type="nvidia-a10g", instance_size="x1", max_replica=2
    )
    hardware = hf_api.list_inference_endpoints_hardware(token=TOKEN)
    by_id = {h.id: h for h in hardware}
    assert {h.vendor for h in hardware} == {"aws", "gcp", "azure"}
    assert "aws-eu-west-1-nvidia-l4-x1" not in by_id
    assert by_id["azure-eastus-nvidia-a100-x4"].status == "not_available"
    assert by_id["aws-us-east-1-nvidia-a10g-x1"].used_accelerators == 2
    assert by_id["aws-us-east-1-nvidia-a10g-x4"].used_accelerators == 2
    assert by_id["aws-us-east-1-nvidia-l4-x1"].used_accelerators == 0


def test_public_provider_route_needs_no_token(server: EmulatorServer) -> None:
    """`GET /v2/provider` is public ([D] 2022 reference); the namespaced one is not."""
    assert httpx.get(f"{server.base_url}/provider").status_code == 200
    assert httpx.get(f"{server.base_url}/provider/{NAMESPACE}").status_code == 401


def test_whoami_and_wrong_tokens(hf_api: HfApi, server: EmulatorServer) -> None:
    """whoami answers the configured user; any other token gets 401 and the client's own error."""
    me = hf_api.whoami(token=TOKEN)
    assert (me["type"], me["name"], [o["name"] for o in me["orgs"]]) == ("user", NAMESPACE, ["emulator-org"])
    with pytest.raises(HfHubHTTPError, match="Invalid user token") as bad_whoami:
        hf_api.whoami(token="hf_wrong")
    assert bad_whoami.value.response.status_code == 401
    with pytest.raises(HfHubHTTPError) as bad_get:
        hf_api.get_inference_endpoint("x", namespace=NAMESPACE, token="hf_wrong")
    assert bad_get.value.response.status_code == 401
    assert bad_get.value.response.json() == {
        "error": "A valid user or organization token, sent as a Bearer, is required",
        "code": "UNAUTHORIZED",
    }
    assert httpx.get(f"{server.base_url}/endpoint/{NAMESPACE}").status_code == 401


def test_errors_map_to_the_client_exceptions(hf_api: HfApi) -> None:
    """400 is BadRequestError, 404/409 are plain HfHubHTTPError, as against the real service."""
    with pytest.raises(BadRequestError, match="32 characters maximum"):
        _create(hf_api, "Not_A_Valid_Name")
    _create(hf_api, "taken")
    with pytest.raises(HfHubHTTPError, match="same name already exists") as duplicate:
        _create(hf_api, "taken")
    assert duplicate.value.response.status_code == 409
    assert not isinstance(duplicate.value, BadRequestError)
    with pytest.raises(HfHubHTTPError, match="Endpoint not found") as missing:
        hf_api.get_inference_endpoint("absent", token=TOKEN)
    assert missing.value.response.status_code == 404
    with pytest.raises(BadRequestError, match="not found"):
        _create(hf_api, "bad-hardware", instance_type="nvidia-l4", instance_size="x1")


def test_invalid_update_leaves_the_endpoint_unchanged(hf_api: HfApi) -> None:
    """A rejected PUT changes nothing, state included ([O] spike)."""
    _wait(_create(hf_api, "stable", min_replica=0, scale_to_zero_timeout=20))
    before = hf_api.get_inference_endpoint("stable", token=TOKEN).raw
    with pytest.raises(BadRequestError, match="must be between 15 and 2880 minutes"):
        hf_api.update_inference_endpoint("stable", scale_to_zero_timeout=5, max_replica=3, token=TOKEN)
    assert hf_api.get_inference_endpoint("stable", token=TOKEN).raw == before


def test_huggingface_hub_1x_payload_shape_is_served(server: EmulatorServer) -> None:
    """huggingface_hub 1.x sends `accountId: null` and may send `type: "protected"`."""
    body = create_body("legacy", accountId=None, type="protected")
    response = httpx.post(f"{server.base_url}/endpoint/{NAMESPACE}", json=body, headers=AUTH)
    assert response.status_code == 200
    assert response.json()["type"] == "protected"
    assert response.json()["accountId"] is None


def test_private_link_payload_of_2x_is_read_back(hf_api: HfApi) -> None:
    """2.x sends `privateService{accountId, region}`; the status names a VPC service."""
    endpoint = _create(
        hf_api,
        "linked",
        type="private",
        private_link_account_id="123456789012",
        private_link_region="us-east-1",
    )
    assert endpoint.raw["privateService"] == {"accountId": "123456789012", "region": "us-east-1"}
    assert endpoint.raw["status"]["private"]["serviceName"].startswith("com.amazonaws.vpce.us-east-1.")


def test_wait_raises_when_the_model_cannot_load(hf_api: HfApi) -> None:
    """An unloadable model ends `failed`, which `wait()` turns into InferenceEndpointError."""
    endpoint = _create(hf_api, "wont-load", repository="acme/unloadable-model")
    with pytest.raises(InferenceEndpointError, match="failed to deploy"):
        _wait(endpoint)
    status = endpoint.raw["status"]
    assert (status["message"], status["errorMessage"]) == (
        "Endpoint failed to deploy",
        "the model acme/unloadable-model could not be loaded",
    )


def test_update_min_replica_1_turns_scale_to_zero_off_by_default(hf_api: HfApi) -> None:
    """`update_inference_endpoint(name, min_replica=1)` cannot send `scaleToZeroTimeout: null`, so the
    emulator's default (stale_timeout="clear") drops the stored timeout instead of refusing."""
    _create(hf_api, "always-on", min_replica=0, scale_to_zero_timeout=15)
    updated = hf_api.update_inference_endpoint("always-on", min_replica=1, token=TOKEN)
    scaling = updated.raw["compute"]["scaling"]
    assert (scaling["minReplica"], scaling["scaleToZeroTimeout"]) == (1, None)
    assert _wait(updated).status == "running"


def test_inference_client_parses_the_data_plane_of_each_task(hf_api: HfApi) -> None:
    """`InferenceClient(endpoint.url)` as a post-deploy smoke test runs it: text-generation (and chat),
    text-classification and feature-extraction answer in their task's shape, plainly fake."""
    from huggingface_hub import InferenceClient

    generator = _wait(_create(hf_api, "writer", task="text-generation", repository="openai-community/gpt2"))
    client = InferenceClient(model=generator.url, token=TOKEN)
    text = client.text_generation("The sky is", max_new_tokens=5)
    assert text.startswith("[emulated] openai-community/gpt2 would continue 'The sky is'")
    chat = client.chat_completion([{"role": "user", "content": "Hello?"}], max_tokens=5)
    assert chat.choices[0].message.content.startswith("[emulated]")
    assert generator.client.text_generation("again") == client.text_generation("again"), "deterministic"

    classifier = _wait(_create(hf_api, "judge"))
    labels = InferenceClient(model=classifier.url, token=TOKEN).text_classification("I love it")
    assert sorted(label.label for label in labels) == ["NEGATIVE", "POSITIVE"]
    assert abs(sum(label.score for label in labels) - 1) < 1e-3

    # InferenceClient.feature_extraction hands this body to numpy, not a test dependency: the shape
    # it needs is a list of float vectors, one per input, as the client sends them.
    embedder = _wait(_create(hf_api, "embedder", task="feature-extraction"))
    response = httpx.post(embedder.url or "", json={"inputs": "hello"}, headers=AUTH)
    (vector,) = response.json()
    assert len(vector) == 8 and all(isinstance(x, float) and -1 <= x <= 1 for x in vector)


def test_refusals_of_the_failure_paths_map_to_the_client_exceptions(
    hf_api: HfApi, server: EmulatorServer
) -> None:
    """A 422 body error, a 403 without a payment method and a quota 409 raise HfHubHTTPError (not
    BadRequestError, which is 400 only) carrying the server's text, as against the live service."""
    with pytest.raises(HfHubHTTPError, match="unknown variant `chat-bot`") as unreadable:
        _create(hf_api, "odd-task", task="chat-bot")
    assert unreadable.value.response.status_code == 422
    assert not isinstance(unreadable.value, BadRequestError)

    server.app.set_namespace(NAMESPACE, quotas={"nvidia-t4": 1})
    _create(hf_api, "t4", accelerator="gpu", instance_type="nvidia-t4", instance_size="x1")
    with pytest.raises(HfHubHTTPError, match="Quota exceeded") as quota:
        _create(hf_api, "t4-too", accelerator="gpu", instance_type="nvidia-t4", instance_size="x1")
    assert quota.value.response.status_code == 409

    server.app.set_namespace(NAMESPACE, payment_method=False)
    with pytest.raises(HfHubHTTPError, match="Payment method required for namespace") as unpaid:
        hf_api.list_inference_endpoints(namespace=NAMESPACE, token=TOKEN)
    assert unpaid.value.response.status_code == 403
