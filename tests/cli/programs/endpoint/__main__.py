"""One endpoint; every input a test varies is stack config, so a test changes it with `pulumi config set`."""

import pulumi

from pulumi_huggingface import InferenceEndpoint

config = pulumi.Config()

endpoint = InferenceEndpoint(
    "endpoint",
    repository=config.get("repository") or "openai-community/gpt2",
    framework="pytorch",
    task="text-generation",
    accelerator=config.get("accelerator") or "cpu",
    vendor=config.get("vendor") or "aws",
    region=config.get("region") or "us-east-1",
    instance_type=config.get("instanceType") or "intel-icl",
    instance_size=config.get("instanceSize") or "x2",
    min_replica=0,
    max_replica=1,
    scale_to_zero_timeout=config.get_int("scaleToZeroTimeout") or 15,
)

pulumi.export("endpoint_id", endpoint.id)
