"""Endpoints made outside Pulumi, with huggingface_hub, for the import command's tests.

Each `Kind` is one sort of endpoint a team brings under management: a plain CPU endpoint, a GPU
endpoint on a custom image from a private registry, a paused one, one scaled to zero, and one with
env, secrets, tags and a route. `make` creates it through huggingface_hub's own client against an
emulator; `config` holds the values of everything the API never reads back, as the user would set
them with `pulumi config set`, keyed by the config key the command chooses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from huggingface_hub import HfApi

_MODEL: Mapping[str, Any] = {
    "repository": "openai-community/gpt2",
    "framework": "pytorch",
    "task": "text-generation",
    "vendor": "aws",
    "region": "us-east-1",
}
_CPU: Mapping[str, Any] = {"accelerator": "cpu", "instance_size": "x2", "instance_type": "intel-icl"}


@dataclass(frozen=True)
class Kind:
    """One sort of endpoint made outside Pulumi.

    Attributes:
        name: The endpoint's name (and the test id).
        options: Keyword arguments of `HfApi.create_inference_endpoint`.
        then: What is done to it once it runs (pause, scale to zero), or None.
        secret_keys: The secret env names the user passes to the command (`--secret-key`).
        config: The stack config values the generated program reads, by key.
        state: The state the endpoint is in when imported.
        declares: Inputs the generated declaration must hold, with their values.
        not_declared: What the command must name as not declared (JSON paths).
    """

    name: str
    options: Mapping[str, Any]
    then: Callable[[HfApi, str, str], object] | None = None
    secret_keys: tuple[str, ...] = ()
    config: Mapping[str, str] = field(default_factory=dict)
    state: str = "running"
    declares: Mapping[str, Any] = field(default_factory=dict)
    not_declared: tuple[str, ...] = ()

    def make(self, hf_api: HfApi, token: str) -> None:
        """Create the endpoint with huggingface_hub, wait until it runs, then apply `then`."""
        endpoint = hf_api.create_inference_endpoint(self.name, **self.options, token=token)
        endpoint.wait(timeout=30, refresh_every=0.05)  # type: ignore[arg-type]
        if self.then is not None:
            self.then(hf_api, self.name, token)


def _pause(hf_api: HfApi, name: str, token: str) -> object:
    return hf_api.pause_inference_endpoint(name, token=token)


def _scale_to_zero(hf_api: HfApi, name: str, token: str) -> object:
    return hf_api.scale_to_zero_inference_endpoint(name, token=token)


KINDS: tuple[Kind, ...] = (
    Kind("cpu", {**_MODEL, **_CPU}),
    Kind(
        "gpu-image",
        {
            **_MODEL,
            "framework": "custom",
            "task": "custom",
            "accelerator": "gpu",
            "instance_size": "x1",
            "instance_type": "nvidia-t4",
            "min_replica": 0,
            "max_replica": 2,
            "scale_to_zero_timeout": 30,
            "custom_image": {"url": "ghcr.io/acme/model-server:1.2", "port": 8080, "healthRoute": "/ready"},
            "container_registry_username": "acme-bot",
            "container_registry_password": "registry-pass-1",
        },
        config={
            "gpu-image-container-registry-username": "acme-bot",
            "gpu-image-container-registry-password": "registry-pass-1",
        },
        declares={
            "accelerator": "gpu",
            "instance_type": "nvidia-t4",
            "min_replica": 0,
            "max_replica": 2,
            "scale_to_zero_timeout": 30,
            "secrets_already_set": True,
        },
    ),
    Kind("paused", {**_MODEL, **_CPU}, then=_pause, state="paused", declares={"desired_state": "paused"}),
    Kind(
        "scaled-to-zero",
        {**_MODEL, **_CPU, "min_replica": 0, "scale_to_zero_timeout": 15},
        then=_scale_to_zero,
        state="scaledToZero",
        declares={"min_replica": 0, "scale_to_zero_timeout": 15, "desired_state": "scaledToZero"},
    ),
    Kind(
        "env-secrets-route",
        {
            **_MODEL,
            **_CPU,
            "type": "public",
            "env": {"LOG_LEVEL": "info", "MAX_BATCH": "8"},
            "secrets": {"API_KEY": "sk-live-1", "DB_URL": "postgres://db"},
            "tags": ["team-search", "prod"],
            "domain": "models.example.com",
            "path": "/v1/search",
        },
        secret_keys=("API_KEY", "DB_URL"),
        config={
            "env-secrets-route-secrets-API_KEY": "sk-live-1",
            "env-secrets-route-secrets-DB_URL": "postgres://db",
        },
        declares={
            "type": "public",
            "env": {"LOG_LEVEL": "info", "MAX_BATCH": "8"},
            "tags": ["team-search", "prod"],
            "domain": "models.example.com",
            "path": "/v1/search",
            "secrets_already_set": True,
        },
        # The API reports the endpoint's network as `{"public": true}`; no input sets it.
        not_declared=("network.public",),
    ),
)
