"""A CPU endpoint whose settings live in the stack's file, so pipelines review and apply changes to it.

`Pulumi.production.yaml` holds `scaleToZeroTimeout`: a pull request that changes it gets
`pulumi preview --diff` as its check, and merging it runs `pulumi up --yes`.
"""

import pulumi

from pulumi_huggingface import InferenceEndpoint

config = pulumi.Config()

endpoint = InferenceEndpoint(
    "classifier",
    repository="distilbert/distilbert-base-uncased-finetuned-sst-2-english",
    framework="pytorch",
    task="text-classification",
    accelerator="cpu",
    vendor="aws",
    region="us-east-1",
    instance_type="intel-icl",
    instance_size="x2",
    min_replica=0,
    max_replica=1,
    scale_to_zero_timeout=config.require_int("scaleToZeroTimeout"),
    tags=["pipeline"],
)

pulumi.export("endpoint_name", endpoint.name)
pulumi.export("url", endpoint.url)
