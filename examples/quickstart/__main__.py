"""A small CPU Inference Endpoint serving a sentiment classifier, scaling to zero after 15 idle minutes.

The idle time is stack config (`scaleToZeroTimeout`), so changing it is a one-line config change that
previews as an in-place update.
"""

import pulumi

from pulumi_huggingface import InferenceEndpoint

config = pulumi.Config()

endpoint = InferenceEndpoint(
    "quickstart",
    repository=config.get("repository") or "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
    framework="pytorch",
    task=config.get("task") or "text-classification",
    accelerator="cpu",
    vendor=config.get("vendor") or "aws",
    region=config.get("region") or "us-east-1",
    instance_type=config.get("instanceType") or "intel-icl",
    instance_size=config.get("instanceSize") or "x2",
    min_replica=0,
    max_replica=1,
    scale_to_zero_timeout=config.get_int("scaleToZeroTimeout") or 15,
    tags=["quickstart"],
)

pulumi.export("endpoint_id", endpoint.id)
pulumi.export("endpoint_name", endpoint.name)
pulumi.export("url", endpoint.url)
pulumi.export("state", endpoint.state)
