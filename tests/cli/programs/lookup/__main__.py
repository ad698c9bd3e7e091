"""A read-only lookup of an endpoint managed elsewhere (config `lookupId`, "namespace/name")."""

import pulumi

from pulumi_huggingface import InferenceEndpoint

existing = InferenceEndpoint.get("existing", pulumi.Config().require("lookupId"))
pulumi.export("url", existing.url)
pulumi.export("state", existing.state)
pulumi.export("scale_to_zero_timeout", existing.scale_to_zero_timeout)
