"""A development endpoint that scales to zero when idle; the idle time comes from stack config."""

import pulumi

from pulumi_huggingface import InferenceEndpoint

config = pulumi.Config()
idle_minutes = config.get_int("idleMinutes") or 30

endpoint = InferenceEndpoint(
    "dev-model",
    repository=config.get("repository") or "openai-community/gpt2",
    framework="pytorch",
    task="text-generation",
    accelerator=config.get("accelerator") or "cpu",
    vendor="aws",
    region="us-east-1",
    instance_type=config.get("instanceType") or "intel-icl",
    instance_size=config.get("instanceSize") or "x4",
    min_replica=0,
    max_replica=config.get_int("maxReplica") or 1,
    scale_to_zero_timeout=idle_minutes,
    env={"LOG_LEVEL": config.get("logLevel") or "info"},
    tags=["dev", pulumi.get_stack()],
    timeouts={"create": "45m"},
)

pulumi.export("url", endpoint.url)
pulumi.export("state", endpoint.state)
pulumi.export("scale_to_zero_timeout", endpoint.scale_to_zero_timeout)
