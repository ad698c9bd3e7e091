"""create / read / update / delete against the in-process emulator.

Each test drives the provider's methods as the engine does (check, then create; diff, then
update) and asserts what went over the wire, what the engine gets back and what the API then holds.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from provider_fakes import NAMESPACE, SHA, TOKEN, EmulatedApi, FakeClock, base_inputs, make_provider

from pulumi_huggingface.errors import (
    AuthenticationError,
    ConfigurationError,
    DeadlineExceededError,
    EndpointFailedError,
)
from pulumi_huggingface.provider import EndpointOperationError, InferenceEndpointProvider


def checked(
    provider: InferenceEndpointProvider, olds: dict[str, Any] | None = None, **overrides: Any
) -> dict[str, Any]:
    result = provider.check(olds or {}, base_inputs(**overrides))
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


def create(
    provider: InferenceEndpointProvider, **overrides: Any
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    inputs = checked(provider, **overrides)
    result = provider.create(dict(inputs))
    assert result.outs is not None
    return result.id, inputs, result.outs


@pytest.fixture
def api() -> EmulatedApi:
    return EmulatedApi()


@pytest.fixture
def provider(api: EmulatedApi) -> InferenceEndpointProvider:
    return make_provider(api)[0]


class TestCreate:
    def test_create_posts_the_declared_configuration_and_waits_until_running(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        """The POST body is built from the table in the API's shape; the outputs are the settled ones."""
        id_, inputs, outs = create(provider, name="chat", env={"LOG_LEVEL": "info"}, tags=["dev"])
        [post] = api.calls_of("POST")
        assert post.path == f"/v2/endpoint/{NAMESPACE}"
        assert post.body == {
            "name": "chat",
            "type": "authenticated",
            "provider": {"vendor": "aws", "region": "us-east-1"},
            "compute": {
                "accelerator": "cpu",
                "instanceSize": "x2",
                "instanceType": "intel-icl",
                "scaling": {"minReplica": 0, "maxReplica": 1, "scaleToZeroTimeout": 15},
            },
            "model": {
                "repository": "openai-community/gpt2",
                "framework": "pytorch",
                "task": "text-generation",
                "image": {"huggingface": {}},
                "env": {"LOG_LEVEL": "info"},
            },
            # The owner tag goes beside the user's tags; the outputs below show only the user's.
            "tags": ["dev", f"pulumi-hf:{inputs['__creation_token']}"],
        }
        assert id_ == f"{NAMESPACE}/chat"
        assert outs["state"] == "running" == api.state("chat")
        assert outs["url"].endswith(f"/endpoints/{NAMESPACE}/chat")
        assert outs["namespace"] == NAMESPACE
        assert outs["resolved_revision"] == SHA
        assert outs["compute_id"] == "aws-us-east-1-intel-icl-x2"
        assert outs["env"] == {"LOG_LEVEL": "info"} and outs["tags"] == ["dev"]
        assert api.stored("chat")["model"]["env"] == {"LOG_LEVEL": "info"}

    def test_outputs_echo_the_inputs_so_the_next_diff_is_empty(
        self, provider: InferenceEndpointProvider
    ) -> None:
        """Server normalisation (revision SHA, image defaults, redacted secrets, filled-in defaults)
        never shows as a diff after create."""
        id_, inputs, outs = create(
            provider,
            revision="main",
            framework="custom",
            custom_image={"url": "ghcr.io/acme/server:1", "health_route": "/ready"},
            container_registry_username="robot",
            container_registry_password="registry-password",
            secrets={"API_KEY": "secret-value"},
            scaling_metric="pendingRequests",
        )
        assert outs["revision"] == "main" and outs["resolved_revision"] == SHA
        assert outs["secrets"] == {"API_KEY": "secret-value"}
        assert provider.diff(id_, outs, inputs).changes is False

    def test_namespace_comes_from_stack_config_without_asking_whoami(self, api: EmulatedApi) -> None:
        """huggingface:namespace wins over the token's owner; no whoami call is made."""
        provider, _, _ = make_provider(api)
        provider.configure(
            _configure_request({"huggingface:namespace": "acme-org", "huggingface:token": TOKEN})
        )
        id_, _, outs = create(provider, name="chat")
        assert id_ == "acme-org/chat" and outs["namespace"] == "acme-org"
        assert api.app.endpoint_ids() == ["acme-org/chat"]
        assert not [call for call in api.calls if call.path.endswith("whoami-v2")]

    def test_namespace_defaults_to_the_token_owner(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        id_, _, _ = create(provider, name="chat")
        assert id_ == f"{NAMESPACE}/chat"
        assert [call.path for call in api.calls][:2] == ["/api/whoami-v2", f"/v2/provider/{NAMESPACE}"]

    def test_hardware_the_catalogue_lacks_fails_before_the_post_listing_valid_choices(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        inputs = checked(provider, instance_size="x16")
        with pytest.raises(EndpointOperationError) as caught:
            provider.create(inputs)
        message = str(caught.value)
        assert "instance_size=x16" in message and "aws/us-east-1" in message
        assert "accelerator=cpu instance_type=intel-icl instance_size=x4" in message
        assert api.calls_of("POST") == []
        assert api.app.endpoint_ids() == []

    def test_unknown_region_lists_the_vendor_regions(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        with pytest.raises(EndpointOperationError, match="offered: eu-west-1, us-east-1"):
            provider.create(checked(provider, region="ap-south-1"))

    def test_failed_endpoint_is_deleted_and_the_server_message_raised(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        """A create that fails after the POST must not leave a billed endpoint that no state knows of."""
        api.app.inject_endpoint_fault(NAMESPACE, "chat", on="create", message="weights not found")
        with pytest.raises(EndpointFailedError) as caught:
            provider.create(checked(provider, name="chat"))
        message = str(caught.value)
        assert "Endpoint failed to deploy: weights not found" in message
        assert "was deleted so that nothing is left behind" in message
        assert api.app.endpoint_ids() == []
        assert len(api.calls_of("DELETE")) == 1

    def test_deadline_deletes_the_endpoint_and_says_so(self, api: EmulatedApi) -> None:
        clock = FakeClock()
        provider, _, _ = make_provider(api, clock=clock)
        api.app.inject_endpoint_fault(NAMESPACE, "chat", on="create", outcome="stuck")
        with pytest.raises(DeadlineExceededError) as caught:
            provider.create(checked(provider, name="chat", timeouts={"create": "2m"}))
        assert "was deleted" in str(caught.value)
        assert api.app.endpoint_ids() == []
        assert 120 <= clock.time - 1000 < 200

    def test_when_cleanup_fails_the_error_says_what_is_left_and_how_to_remove_or_adopt_it(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        api.app.inject_endpoint_fault(NAMESPACE, "chat", on="create")
        # Every DELETE fails: the cleanup cannot remove what the create made.
        api.app.add_fault("server_error", method="DELETE", status=500)
        with pytest.raises(EndpointFailedError) as caught:
            provider.create(checked(provider, name="chat"))
        message = str(caught.value)
        assert "still exists" in message and "hf endpoints delete chat --namespace alice" in message
        assert "adopt_existing=True" in message
        assert api.state("chat") == "failed"

    @pytest.mark.parametrize(
        "lost",
        [{"kind": "server_error", "status": 502}, {"kind": "drop"}],
        ids=["502", "dropped-connection"],
    )
    def test_lost_post_answer_is_looked_up_not_posted_twice(
        self, api: EmulatedApi, lost: dict[str, Any]
    ) -> None:
        """When the POST may have been acted on, the provider GETs the name and carries on with it."""
        provider, info, _ = make_provider(api)
        api.app.add_fault(**lost, method="POST", route="/v2/endpoint/{namespace}", after=True, times=1)
        id_, _, outs = create(provider, name="chat")
        assert len(api.calls_of("POST")) == 1
        assert id_ == f"{NAMESPACE}/chat" and outs["state"] == "running" == api.state("chat")
        assert any("answer to creating endpoint alice/chat was lost" in line for line in info)

    def test_lost_post_with_no_endpoint_is_sent_again_once_the_name_reads_as_free(
        self, api: EmulatedApi
    ) -> None:
        """With an owner tag, a second POST is safe: the name is unique, and a late first one is ours."""
        provider, info, _ = make_provider(api)
        api.app.add_fault("server_error", method="POST", route="/v2/endpoint/{namespace}", times=1)
        id_, _, outs = create(provider, name="chat")
        assert len(api.calls_of("POST")) == 2
        assert id_ == f"{NAMESPACE}/chat" and outs["state"] == "running" == api.state("chat")
        assert any("no endpoint of that name exists: sending the create again" in line for line in info)

    def test_lost_post_without_a_token_says_nothing_was_created(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        """Inputs from before owner tags: an absent name proves nothing, so no second POST."""
        api.app.add_fault("server_error", method="POST", route="/v2/endpoint/{namespace}", times=1)
        inputs = checked(provider, name="chat")
        del inputs["__creation_token"]
        with pytest.raises(EndpointOperationError, match="nothing was created"):
            provider.create(inputs)
        assert len(api.calls_of("POST")) == 1
        assert api.app.endpoint_ids() == []

    def test_name_conflict_without_adoption_mentions_adopt_existing(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        api.seed("chat")
        with pytest.raises(EndpointOperationError, match="adopt_existing=True"):
            provider.create(checked(provider, name="chat"))
        assert api.stored("chat")["tags"] == [], "an endpoint made outside Pulumi is left as it was"

    def test_adopt_existing_applies_only_what_differs(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        """An endpoint made outside Pulumi is taken over: one PUT with the differences, no POST."""
        api.seed("chat")
        id_, inputs, outs = create(
            provider,
            name="chat",
            adopt_existing=True,
            min_replica=1,
            max_replica=2,
            scale_to_zero_timeout=None,
        )
        assert api.calls_of("POST") == []
        [put] = api.calls_of("PUT")
        assert put.body == {"compute": {"scaling": {"maxReplica": 2}}, "model": {"task": "text-generation"}}
        assert outs["max_replica"] == 2 and outs["state"] == "running" == api.state("chat")
        assert api.stored("chat")["compute"]["scaling"]["maxReplica"] == 2
        assert provider.diff(id_, outs, inputs).changes is False

    @pytest.mark.parametrize(
        ("already_set", "sent"),
        [(False, {"API_KEY": "sk-1"}), (True, None)],
        ids=["secrets-sent", "secrets-already-set"],
    )
    def test_adoption_sends_unreadable_values_unless_already_set(
        self, api: EmulatedApi, provider: InferenceEndpointProvider, already_set: bool, sent: Any
    ) -> None:
        """Secrets cannot be read back: adoption sends them, unless the program says the endpoint has them.

        Either way they are recorded as declared, and a later change of them is sent as usual.
        """
        api.seed("chat")
        id_, inputs, outs = create(
            provider,
            name="chat",
            adopt_existing=True,
            secrets_already_set=already_set,
            secrets={"API_KEY": "sk-1"},
            min_replica=1,
            scale_to_zero_timeout=None,
        )
        [put] = api.calls_of("PUT")
        assert put.body["model"].get("secrets") == sent
        assert outs["secrets"] == {"API_KEY": "sk-1"}
        assert provider.diff(id_, outs, inputs).changes is False
        changed = checked(
            provider,
            outs,
            name="chat",
            adopt_existing=True,
            secrets_already_set=already_set,
            secrets={"API_KEY": "sk-2"},
            min_replica=1,
            scale_to_zero_timeout=None,
        )
        assert provider.diff(id_, outs, changed).changes is True
        provider.update(id_, outs, changed)
        assert api.calls_of("PUT")[-1].body == {"model": {"secrets": {"API_KEY": "sk-2"}}}
        assert api.stored("chat")["model"]["secrets"] == {"API_KEY": "sk-2"}

    def test_adopt_existing_refuses_an_endpoint_in_another_region(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        api.seed("chat", provider={"vendor": "aws", "region": "eu-west-1"})
        with pytest.raises(EndpointOperationError, match="region is 'eu-west-1' there"):
            provider.create(checked(provider, name="chat", adopt_existing=True))
        assert api.calls_of("PUT") == []

    def test_progress_lines_name_the_endpoint(self, api: EmulatedApi) -> None:
        provider, info, _ = make_provider(api)
        create(provider, name="chat")
        assert info[0] == "huggingface: endpoint alice/chat is pending (0/1 replicas ready, 0s elapsed)"
        assert info[-1].startswith("huggingface: endpoint alice/chat is running (1/1 replicas ready")


class TestUpdate:
    def test_scale_to_zero_timeout_change_sends_exactly_the_scaling_group(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        """15 → 30 minutes is one PUT of exactly the timeout and its partner min_replica (the API
        refuses one without the other); the id and url stay."""
        id_, inputs, outs = create(provider, name="chat")
        news = checked(provider, inputs, name="chat", scale_to_zero_timeout=30)
        diff = provider.diff(id_, outs, news)
        assert (diff.changes, diff.replaces) == (True, [])
        result = provider.update(id_, outs, news)
        [put] = api.calls_of("PUT")
        assert put.path == f"/v2/endpoint/{NAMESPACE}/chat"
        assert put.body == {"compute": {"scaling": {"minReplica": 0, "scaleToZeroTimeout": 30}}}
        assert result.outs is not None
        assert result.outs["scale_to_zero_timeout"] == 30
        assert result.outs["url"] == outs["url"] and result.outs["name"] == "chat"
        assert api.stored("chat")["compute"]["scaling"]["scaleToZeroTimeout"] == 30

    def test_update_waits_for_the_change_to_settle(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        """Right after a PUT the endpoint may still say running: the update waits for the transition."""
        id_, inputs, outs = create(provider, name="chat")
        api.app.configure(update_lag_seconds=10)
        result = provider.update(id_, outs, checked(provider, inputs, name="chat", max_replica=3))
        assert result.outs is not None and result.outs["state"] == "running" == api.state("chat")
        states = [step["state"] for step in api.app.inspect(NAMESPACE, "chat")["history"]]
        assert states[-2:] == ["updating", "running"], "the update returned before the endpoint left running"

    def test_a_change_that_never_leaves_running_is_accepted_after_a_bounded_grace(
        self, api: EmulatedApi
    ) -> None:
        clock = FakeClock()
        provider, _, _ = make_provider(api, clock=clock)
        id_, inputs, outs = create(provider, name="chat")
        api.app.configure(update_lag_seconds=10**9)
        started = clock.time
        result = provider.update(id_, outs, checked(provider, inputs, name="chat", max_replica=3))
        assert result.outs is not None and result.outs["max_replica"] == 3
        assert 60 <= clock.time - started <= 70
        assert api.stored("chat")["compute"]["scaling"]["maxReplica"] == 3

    def test_update_failed_raises_the_server_message(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        id_, inputs, outs = create(provider, name="chat")
        api.app.inject_endpoint_fault(NAMESPACE, "chat", on="update", message="out of memory")
        with pytest.raises(EndpointFailedError, match="updateFailed") as caught:
            provider.update(id_, outs, checked(provider, inputs, name="chat", instance_size="x4"))
        assert "out of memory" in str(caught.value)
        assert api.state("chat") == "updateFailed"

    def test_image_change_sends_the_whole_image_with_credentials(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        """The API replaces model.image whole and reads credentials back redacted: send them again."""
        image = {"url": "ghcr.io/acme/server:1", "port": 8080}
        common = {
            "name": "chat",
            "framework": "custom",
            "container_registry_username": "robot",
            "container_registry_password": "registry-password",
        }
        id_, inputs, outs = create(provider, custom_image=image, **common)
        news = checked(provider, inputs, custom_image={**image, "url": "ghcr.io/acme/server:2"}, **common)
        provider.update(id_, outs, news)
        [put] = api.calls_of("PUT")
        assert put.body == {
            "model": {
                "image": {
                    "custom": {
                        "url": "ghcr.io/acme/server:2",
                        "port": 8080,
                        "credentials": {"username": "robot", "password": "registry-password"},
                    }
                }
            }
        }
        assert api.stored("chat")["model"]["image"]["custom"]["url"] == "ghcr.io/acme/server:2"

    def test_removed_clear_fields_are_cleared_on_the_server(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        id_, inputs, outs = create(provider, name="chat", env={"A": "1"}, tags=["dev"], revision="main")
        news = checked(provider, inputs, name="chat")
        provider.update(id_, outs, news)
        [put] = api.calls_of("PUT")
        # Clearing the user's tags keeps the owner tag: the API replaces `tags` whole.
        assert put.body == {
            "model": {"revision": None, "env": {}},
            "tags": [f"pulumi-hf:{news['__creation_token']}"],
        }
        stored = api.stored("chat")
        assert (stored["model"]["env"], stored["tags"]) == ({}, [f"pulumi-hf:{news['__creation_token']}"])

    def test_changing_only_provider_inputs_makes_no_api_call(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        id_, inputs, outs = create(provider, name="chat")
        before = len(api.calls)
        news = checked(provider, inputs, name="chat", timeouts={"create": "1h"}, adopt_existing=True)
        assert provider.diff(id_, outs, news).changes is True
        result = provider.update(id_, outs, news)
        assert len(api.calls) == before
        assert result.outs is not None
        assert result.outs["timeouts"] == {"create": "1h"} and result.outs["adopt_existing"] is True
        assert result.outs["url"] == outs["url"]


class TestRead:
    def test_refresh_after_an_out_of_band_change_shows_drift(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        """A timeout changed in the web UI comes back from read, so the next preview plans to restore it."""
        id_, inputs, outs = create(provider, name="chat")
        api.app.drift(NAMESPACE, "chat", {"compute": {"scaling": {"scaleToZeroTimeout": 60}}})
        result = provider.read(id_, outs)
        assert result.outs is not None and result.inputs is not None
        assert result.outs["scale_to_zero_timeout"] == 60
        assert result.inputs["scale_to_zero_timeout"] == 60
        diff = provider.diff(id_, result.outs, inputs)
        assert (diff.changes, diff.replaces) == (True, [])

    def test_refresh_without_changes_keeps_the_declared_form(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        """Revision resolved to a SHA, redacted secrets and credentials, `protected`: no diff after
        refresh."""
        id_, inputs, outs = create(
            provider,
            name="chat",
            revision="main",
            secrets={"API_KEY": "secret-value"},
            framework="custom",
            custom_image={"url": "ghcr.io/acme/server:1"},
            container_registry_username="robot",
            container_registry_password="registry-password",
        )
        api.app.drift(NAMESPACE, "chat", {"type": "protected"})
        result = provider.read(id_, outs)
        assert result.outs is not None and result.inputs is not None
        assert result.outs["revision"] == "main"
        assert result.outs["secrets"] == {"API_KEY": "secret-value"}
        assert result.outs["container_registry_password"] == "registry-password"
        assert result.inputs["__defaults"] == ["namespace"]
        assert "namespace" not in result.inputs
        assert provider.diff(id_, result.outs, inputs).changes is False

    def test_a_revision_moved_outside_pulumi_shows_drift(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        id_, inputs, outs = create(provider, name="chat", revision="main")
        api.app.drift(NAMESPACE, "chat", {"model": {"revision": "f" * 40}})
        result = provider.read(id_, outs)
        assert result.outs is not None and result.outs["revision"] == "f" * 40
        assert provider.diff(id_, result.outs, inputs).changes is True

    def test_refresh_of_a_deleted_endpoint_drops_it(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        id_, _, outs = create(provider, name="chat")
        api.remove("chat")
        result = provider.read(id_, outs)
        assert (result.id, result.outs) == ("", {})

    def test_lookup_by_id_alone_returns_live_values(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        """InferenceEndpoint.get sends no state: the props are the lookup's own inputs."""
        api.seed("chat", tags=["prod"])
        result = provider.read(f"{NAMESPACE}/chat", {"__resource_name": "lookup", "url": None})
        assert result.id == f"{NAMESPACE}/chat"
        assert result.outs is not None
        assert result.outs["repository"] == "openai-community/gpt2"
        assert result.outs["tags"] == ["prod"] and result.outs["namespace"] == NAMESPACE
        assert result.outs["state"] == "running"

    def test_lookup_by_bare_name_uses_the_default_namespace(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        api.seed("chat")
        assert provider.read("chat", {}).id == f"{NAMESPACE}/chat"


class TestDelete:
    def test_delete_waits_until_the_name_is_free(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        id_, _, outs = create(provider, name="chat")
        provider.delete(id_, outs)
        assert api.app.endpoint_ids() == []
        assert api.calls[-1].method == "GET" and api.calls[-1].path.endswith("/chat")

    def test_delete_of_an_already_deleted_endpoint_succeeds(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        id_, _, outs = create(provider, name="chat")
        api.remove("chat")
        provider.delete(id_, outs)
        assert len(api.calls_of("DELETE")) == 1

    def test_delete_that_never_completes_fails_within_the_delete_timeout(self, api: EmulatedApi) -> None:
        clock = FakeClock()
        provider, _, _ = make_provider(api, clock=clock)
        id_, _, outs = create(provider, name="chat", timeouts={"delete": "1m"})
        # A DELETE acknowledged but never carried out: the emulator frees a name at once or not at all.
        api.hostile.answer_next("DELETE", "/chat", lambda request: httpx.Response(200, json={}))
        with pytest.raises(EndpointOperationError, match="still existed after"):
            provider.delete(id_, outs)
        assert api.exists("chat")


class TestCredentials:
    def test_missing_token_fails_at_the_first_api_call_with_how_to_set_one(self, api: EmulatedApi) -> None:
        provider, _, _ = make_provider(api, environ={})
        inputs = checked(provider, name="chat")
        assert provider.diff("alice/chat", {}, inputs).changes is True
        with pytest.raises(ConfigurationError, match="pulumi config set --secret huggingface:token"):
            provider.create(inputs)
        assert api.calls == []

    def test_token_from_stack_config_is_used(self, api: EmulatedApi) -> None:
        provider, _, _ = make_provider(api, environ={})
        provider.configure(_configure_request({"huggingface:token": TOKEN}))
        create(provider, name="chat")
        assert all(call.headers["Authorization"] == f"Bearer {TOKEN}" for call in api.calls)

    def test_rejected_token_says_how_to_set_one_and_where_it_came_from(self, api: EmulatedApi) -> None:
        provider, _, _ = make_provider(api, environ={"HF_TOKEN": "hf_wrong_token_value"})
        with pytest.raises(AuthenticationError) as caught:
            provider.create(checked(provider, name="chat"))
        message = str(caught.value)
        assert "huggingface:token" in message and "came from HF_TOKEN" in message
        assert "hf_wrong_token_value" not in message


def _configure_request(config: dict[str, Any]) -> Any:
    from pulumi.dynamic import Config, ConfigureRequest

    return ConfigureRequest(Config(raw_config=config, project_name="test"))
