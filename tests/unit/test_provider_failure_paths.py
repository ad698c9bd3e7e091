"""The provider against the emulator's refusals: each becomes a clear error at the first call that
hits it, saying what to do; a preview sends nothing; the unsure semantics are survived either way.

In process (httpx.WSGITransport), the emulator's clock driven by the provider's sleeps.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from provider_fakes import EmulatedProvider, base_inputs, stack_config

from pulumi_huggingface.errors import (
    BadRequestError,
    EndpointFailedError,
    PermissionDeniedError,
    QuotaExceededError,
)
from pulumi_huggingface.provider import InferenceEndpointProvider
from pulumi_huggingface_emulator import EmulatorApp

TOKEN = "hf_failure_paths_token"
USER = "emulator-user"
CONFIG = stack_config(TOKEN)
# Fields of recent answers the provider knows nothing of (reference §4.1).
EXTRA_FIELDS = ("notifications", "network", "accountId")
EXTRA_STATUS_FIELDS = ("lastUsedAt", "inferenceMetricsEnabled")


@pytest.fixture
def app() -> EmulatorApp:
    return EmulatorApp(token=TOKEN, user=USER, provision_seconds=30)


@pytest.fixture
def provider(app: EmulatorApp) -> InferenceEndpointProvider:
    emulated = EmulatedProvider(app)
    emulated.configure_stack(CONFIG)
    return emulated.provider


def checked(
    provider: InferenceEndpointProvider, olds: dict[str, Any] | None = None, **overrides: Any
) -> dict[str, Any]:
    result = provider.check(olds or {}, base_inputs(__resource_name="fp", name="fp-chat", **overrides))
    assert result.failures == []
    return dict(result.inputs)


def gpu(**overrides: Any) -> dict[str, Any]:
    return {"accelerator": "gpu", "instance_type": "nvidia-t4", "instance_size": "x1", **overrides}


def requests(app: EmulatorApp, route: str) -> int:
    return int(app.request_counts()["byRoute"].get(route, 0))


def raw(app: EmulatorApp) -> httpx.Client:
    return httpx.Client(
        transport=app.transport(),
        base_url="http://emulator.test",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )


# ---------------------------------------------------------------------------------------------
# Access and billing.


def test_a_preview_sends_nothing_even_to_a_namespace_that_refuses(
    app: EmulatorApp, provider: InferenceEndpointProvider
) -> None:
    app.set_namespace(USER, payment_method=False)
    news = checked(provider, namespace="strangers")
    provider.diff("strangers/fp-chat", news, checked(provider, news, namespace="strangers", max_replica=2))
    assert app.request_counts()["total"] == 0


def test_403_payment_method_missing_is_a_clear_error_at_the_create(
    app: EmulatorApp, provider: InferenceEndpointProvider
) -> None:
    """The catalogue still answers (with quota 0); the POST is refused; the message says where to
    add a payment method. Nothing is left behind."""
    app.set_namespace(USER, payment_method=False)
    with pytest.raises(PermissionDeniedError) as refused:
        provider.create(checked(provider))
    message = str(refused.value)
    assert message.startswith(
        f"POST /v2/endpoint/{USER} failed with 403 Forbidden: "
        f"Forbidden: Payment method required for namespace: {USER}. Add a payment method to {USER}"
    )
    assert requests(app, "POST /v2/endpoint/{namespace}") == 1
    assert app.endpoint_ids() == []


def test_403_no_access_to_the_organisation_is_refused_at_the_first_call(
    app: EmulatorApp, provider: InferenceEndpointProvider
) -> None:
    """The first call (the namespace's catalogue) already answers 403: no POST is sent."""
    with pytest.raises(PermissionDeniedError) as refused:
        provider.create(checked(provider, namespace="acme-corp"))
    message = str(refused.value)
    assert message.startswith(
        "GET /v2/provider/acme-corp failed with 403 Forbidden: "
        "Forbidden: You don't have access to namespace: acme-corp. The token may not act in acme-corp"
    )
    assert "huggingface:namespace" in message
    assert requests(app, "POST /v2/endpoint/{namespace}") == 0


# ---------------------------------------------------------------------------------------------
# Quota.


def test_409_quota_exceeded_on_create_says_which_quota_and_is_not_retried(
    app: EmulatorApp, provider: InferenceEndpointProvider
) -> None:
    app.set_namespace(USER, quotas={"nvidia-t4": 1})
    with pytest.raises(QuotaExceededError) as refused:
        provider.create(checked(provider, **gpu(max_replica=2)))
    message = str(refused.value)
    assert message.startswith(
        f"Creating inference endpoint {USER}/fp-chat was refused with 409 (Conflict: Quota exceeded): "
        "it needs up to 2 replica(s) of nvidia-t4 x1 in aws/us-east-1 (1 accelerator(s) each); "
        f"{USER} may run 1 nvidia-t4 accelerators in aws/us-east-1 and uses 0. Nothing was created."
    )
    assert "Pause or delete endpoints on the same hardware" in message
    assert requests(app, "POST /v2/endpoint/{namespace}") == 1
    assert app.endpoint_ids() == []


def test_409_quota_on_an_update_adding_replicas_is_not_waited_out_as_busy(
    app: EmulatorApp, provider: InferenceEndpointProvider
) -> None:
    app.set_namespace(USER, quotas={"nvidia-t4": 1})
    olds = checked(provider, **gpu())
    created = provider.create(dict(olds))
    assert created.outs is not None
    news = checked(provider, olds, **gpu(max_replica=2))
    with pytest.raises(
        QuotaExceededError, match=r"^Updating inference endpoint emulator-user/fp-chat was refused"
    ):
        provider.update(created.id, created.outs, news)
    assert requests(app, "PUT /v2/endpoint/{namespace}/{name}") == 1
    view = app.inspect(USER, "fp-chat")
    assert view is not None and view["config"]["compute"]["scaling"]["maxReplica"] == 1


def test_409_quota_on_a_resume_is_a_clear_error(
    app: EmulatorApp, provider: InferenceEndpointProvider
) -> None:
    """Paused endpoints free their quota; resuming one while another holds it is refused."""
    app.set_namespace(USER, quotas={"nvidia-t4": 1})
    olds = checked(provider, **gpu(desired_state="paused"))
    created = provider.create(dict(olds))
    assert created.outs is not None and created.outs["state"] == "paused"
    with raw(app) as client:
        other = client.post(
            f"/v2/endpoint/{USER}",
            json={
                "name": "holder",
                "type": "authenticated",
                "provider": {"vendor": "aws", "region": "us-east-1"},
                "compute": {
                    "accelerator": "gpu",
                    "instanceType": "nvidia-t4",
                    "instanceSize": "x1",
                    "scaling": {"minReplica": 1, "maxReplica": 1},
                },
                "model": {
                    "repository": "openai-community/gpt2",
                    "framework": "pytorch",
                    "image": {"huggingface": {}},
                },
            },
        )
        assert other.status_code == 200, other.text
    with pytest.raises(
        QuotaExceededError, match=r"^Resuming inference endpoint emulator-user/fp-chat was refused"
    ):
        provider.update(created.id, created.outs, checked(provider, olds, **gpu(desired_state="running")))
    assert app.inspect(USER, "fp-chat")["state"] == "paused"  # type: ignore[index]


# ---------------------------------------------------------------------------------------------
# Validation, failure reasons, unknown fields.


def test_a_422_field_error_names_the_input(app: EmulatorApp, provider: InferenceEndpointProvider) -> None:
    """A task the service's enum lacks passes check (the enum is the service's to extend) and the
    create's 422 names the input it points at."""
    with pytest.raises(BadRequestError) as refused:
        provider.create(checked(provider, task="chat-bot"))
    message = str(refused.value)
    assert message.startswith(
        f"POST /v2/endpoint/{USER} failed with 422 Unprocessable Entity: Failed to deserialize the JSON body "
        "into the target type: model.task: unknown variant `chat-bot`"
    )
    assert message.endswith(
        "The API could not read the input `task` (API field `model.task`): correct its value and run again."
    )
    assert app.endpoint_ids() == []


def test_a_failed_endpoint_reports_its_error_message(
    app: EmulatorApp, provider: InferenceEndpointProvider
) -> None:
    """`status.errorMessage` says why; `status.message` only names the state: both are read."""
    with pytest.raises(EndpointFailedError) as failed:
        provider.create(checked(provider, repository="acme/unloadable-model"))
    message = str(failed.value)
    assert message.startswith(
        f"Inference endpoint {USER}/fp-chat reached state failed: Endpoint failed to deploy: "
        "the model acme/unloadable-model could not be loaded."
    )
    assert failed.value.server_message == (
        "Endpoint failed to deploy: the model acme/unloadable-model could not be loaded"
    )


def test_every_extra_field_of_recent_answers_is_ignored(
    app: EmulatorApp, provider: InferenceEndpointProvider
) -> None:
    """notifications, network, accountId: null, status.lastUsedAt, status.inferenceMetricsEnabled and
    the list's totalItems/prevCursor are all present; create, refresh and diff see no drift."""
    declared = checked(provider)
    created = provider.create(dict(declared))
    assert created.outs is not None
    with raw(app) as client:
        document = client.get(f"/v2/endpoint/{USER}/fp-chat").json()
        listing = client.get(f"/v2/endpoint/{USER}").json()
    assert set(EXTRA_FIELDS) <= set(document) and document["accountId"] is None
    assert set(EXTRA_STATUS_FIELDS) <= set(document["status"])
    assert {"totalItems", "prevCursor"} <= set(listing)
    assert not set(EXTRA_FIELDS) & set(created.outs)
    refreshed = provider.read(created.id, created.outs)
    assert refreshed.outs is not None
    assert provider.diff(created.id, refreshed.outs, declared).changes is False


# ---------------------------------------------------------------------------------------------
# Unsure semantics, under both settings.


@pytest.mark.parametrize("setting", ["top_level", "experimental"])
@pytest.mark.parametrize("declared", [True, False])
def test_cache_http_responses_never_diffs_forever(
    app: EmulatorApp, provider: InferenceEndpointProvider, setting: str, declared: bool
) -> None:
    app.configure(cache_http_responses=setting)
    news = checked(provider, cache_http_responses=declared)
    created = provider.create(dict(news))
    assert created.outs is not None
    refreshed = provider.read(created.id, created.outs)
    assert refreshed.outs is not None
    assert provider.diff(created.id, refreshed.outs, news).changes is False
    live = app.inspect(USER, "fp-chat")["config"]  # type: ignore[index]
    assert live.get("cacheHttpResponses") == (declared if setting == "top_level" else None)


@pytest.mark.parametrize("setting", ["merge", "replace"])
def test_route_changes_converge_whether_put_merges_or_replaces_it(
    app: EmulatorApp, provider: InferenceEndpointProvider, setting: str
) -> None:
    app.configure(route_update=setting)
    olds = checked(provider, domain="chat.example.com", path="/v1")
    created = provider.create(dict(olds))
    assert created.outs is not None
    for change in ({"path": "/v2"}, {"domain": "api.example.com"}, {"path": None}):
        inputs = {"domain": "chat.example.com", "path": "/v1", **change}
        news = checked(provider, olds, **{k: v for k, v in inputs.items() if v is not None})
        updated = provider.update(created.id, created.outs, news)
        assert updated.outs is not None
        live = app.inspect(USER, "fp-chat")["config"].get("route") or {}  # type: ignore[index]
        assert {k: v for k, v in live.items() if v is not None} == {k: v for k, v in inputs.items() if v}
        refreshed = provider.read(created.id, updated.outs)
        assert refreshed.outs is not None
        assert provider.diff(created.id, refreshed.outs, news).changes is False
        olds, created = news, type(created)(created.id, updated.outs)


@pytest.mark.parametrize("setting", ["clear", "refuse"])
def test_scale_to_zero_off_converges_whether_a_stale_timeout_is_refused_or_cleared(
    app: EmulatorApp, provider: InferenceEndpointProvider, setting: str
) -> None:
    app.configure(stale_timeout=setting)
    olds = checked(provider, min_replica=0, scale_to_zero_timeout=30)
    created = provider.create(dict(olds))
    assert created.outs is not None
    news = checked(provider, olds, min_replica=1, scale_to_zero_timeout=None)
    updated = provider.update(created.id, created.outs, news)
    assert updated.outs is not None
    scaling = app.inspect(USER, "fp-chat")["config"]["compute"]["scaling"]  # type: ignore[index]
    assert (scaling["minReplica"], scaling["scaleToZeroTimeout"]) == (1, None)
    refreshed = provider.read(created.id, updated.outs)
    assert refreshed.outs is not None
    assert provider.diff(created.id, refreshed.outs, news).changes is False


@pytest.mark.parametrize("setting", ["accept", "conflict"])
def test_update_and_delete_while_the_endpoint_updates_converge_either_way(
    app: EmulatorApp, provider: InferenceEndpointProvider, setting: str
) -> None:
    """Someone else's PUT leaves the endpoint `updating`; the provider's PUT and DELETE then
    succeed, waiting out the 409 where the API answers one."""
    app.configure(while_updating=setting)
    olds = checked(provider)
    created = provider.create(dict(olds))
    assert created.outs is not None
    with raw(app) as client:
        assert client.put(f"/v2/endpoint/{USER}/fp-chat", json={"tags": ["ui"]}).status_code == 200
    news = checked(provider, olds, max_replica=2)
    updated = provider.update(created.id, created.outs, news)
    assert updated.outs is not None and updated.outs["max_replica"] == 2
    puts = requests(app, "PUT /v2/endpoint/{namespace}/{name}")
    assert puts == (2 if setting == "accept" else 3)
    with raw(app) as client:
        assert client.put(f"/v2/endpoint/{USER}/fp-chat", json={"tags": ["ui"]}).status_code == 200
    provider.delete(created.id, updated.outs)
    assert app.endpoint_ids() == []
    deletes = requests(app, "DELETE /v2/endpoint/{namespace}/{name}")
    assert deletes == (1 if setting == "accept" else 2)
