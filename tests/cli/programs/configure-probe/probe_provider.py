"""A dynamic provider that records the ConfigureRequest it receives, in the file `probe:out` names.

It lives in a module of its own so the provider is pickled by reference and its `configure()`
runs in the plugin process, as `InferenceEndpoint`'s does.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pulumi.dynamic import ConfigureRequest, CreateResult, Resource, ResourceProvider


class ConfigureProbe(ResourceProvider):
    def configure(self, req: ConfigureRequest) -> None:
        raw: dict[str, Any] = dict(getattr(req.config, "_props", {}))
        record = {
            "config_type": type(req.config).__name__,
            "values": {key: [type(value).__name__, value] for key, value in sorted(raw.items())},
            "get_huggingface_token": req.config.get("huggingface:token"),
            "environment": sorted(key for key in os.environ if key.startswith("PULUMI_")),
            # The engine also hands the plugin the stack config in this variable.
            "PULUMI_CONFIG": json.loads(os.environ.get("PULUMI_CONFIG") or "null"),
        }
        Path(raw["probe:out"]).write_text(json.dumps(record, indent=2))

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_="probe", outs={})


class Probe(Resource, module="probe", name="Probe"):
    def __init__(self, name: str) -> None:
        super().__init__(ConfigureProbe(), name, {})
