"""A development endpoint whose operational state comes from stack config.

`pulumi config set endpointState paused` then `pulumi up` pauses it (nothing billed, requests
refused); `running` resumes it; `scaledToZero` drops its replicas until the next request wakes it.
"""

import pulumi

from pulumi_huggingface import InferenceEndpoint

config = pulumi.Config()

endpoint = InferenceEndpoint(
    "dev-model",
    repository=config.get("repository") or "openai-community/gpt2",
    framework="pytorch",
    task="text-generation",
    accelerator="cpu",
    vendor="aws",
    region="us-east-1",
    instance_type="intel-icl",
    instance_size="x2",
    # 0, so the endpoint may also be declared scaledToZero and idles to zero by itself.
    min_replica=0,
    max_replica=1,
    scale_to_zero_timeout=config.get_int("idleMinutes") or 60,
    desired_state=config.get("endpointState") or "running",
    tags=["dev", pulumi.get_stack()],
)

pulumi.export("url", endpoint.url)
pulumi.export("desired_state", endpoint.desired_state)
pulumi.export("state", endpoint.state)
