"""Endpoints declared with the resource options users rely on, each switched by stack config.

Config: `resources` (comma-separated resource names, default `model`), `endpointName` (an explicit
endpoint name, for a single resource), `scaleToZeroTimeout` (15), `region` (us-east-1, replace-only),
`instanceType` (intel-icl), `ignoreTimeout`, `protect`, `retainOnDelete`, `deleteBeforeReplace`,
`adoptExisting` (booleans) and `aliasOf` (the resource's previous name).
"""

import pulumi

from pulumi_huggingface import InferenceEndpoint

config = pulumi.Config()
aliases = [pulumi.Alias(name=config.require("aliasOf"))] if config.get("aliasOf") else None
options = pulumi.ResourceOptions(
    ignore_changes=["scale_to_zero_timeout"] if config.get_bool("ignoreTimeout") else None,
    protect=bool(config.get_bool("protect")),
    retain_on_delete=bool(config.get_bool("retainOnDelete")),
    delete_before_replace=bool(config.get_bool("deleteBeforeReplace")),
    aliases=aliases,
)

for resource_name in (config.get("resources") or "model").split(","):
    InferenceEndpoint(
        resource_name,
        name=config.get("endpointName"),
        repository="distilbert/distilbert-base-uncased-finetuned-sst-2-english",
        framework="pytorch",
        task="text-classification",
        accelerator="cpu",
        vendor="aws",
        region=config.get("region") or "us-east-1",
        instance_type=config.get("instanceType") or "intel-icl",
        instance_size="x2",
        min_replica=0,
        max_replica=1,
        scale_to_zero_timeout=config.get_int("scaleToZeroTimeout") or 15,
        adopt_existing=bool(config.get_bool("adoptExisting")),
        opts=options,
    )
