"""A custom container from a private registry, with environment variables and secrets."""

import pulumi

from pulumi_huggingface import InferenceEndpoint

config = pulumi.Config()

endpoint = InferenceEndpoint(
    "custom-server",
    repository=config.get("repository") or "openai-community/gpt2",
    framework="custom",
    task="custom",
    accelerator="gpu",
    vendor="aws",
    region="us-east-1",
    instance_type=config.get("instanceType") or "nvidia-t4",
    instance_size="x1",
    min_replica=0,
    max_replica=2,
    scale_to_zero_timeout=15,
    custom_image={
        "url": config.get("image") or "registry.example.com/acme/model-server:1.0",
        "port": config.get_int("port") or 8080,
        "healthRoute": "/health",
    },
    container_registry_username=config.get("registryUsername") or "acme-bot",
    container_registry_password=config.require_secret("registryPassword"),
    env={"MODEL_ID": "/repository", "LOG_LEVEL": "info"},
    secrets={"API_KEY": config.require_secret("apiKey")},
    scaling_metric="pendingRequests",
    scaling_threshold=4,
)

pulumi.export("url", endpoint.url)
pulumi.export("image", endpoint.custom_image)
