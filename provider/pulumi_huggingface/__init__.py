"""Hugging Face Inference Endpoints as Pulumi resources.

Example:
    >>> from pulumi_huggingface import InferenceEndpoint  # doctest: +SKIP

The public names are resolved lazily (PEP 562) so that the subpackages that must not load Pulumi
— the HTTP client and, above all, the API emulator, which shares no code with the provider — can
be imported through this package without importing `pulumi`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pulumi_huggingface.resource import InferenceEndpoint, InferenceEndpointArgs

__all__ = ["InferenceEndpoint", "InferenceEndpointArgs"]

# The release, in SemVer (see CHANGELOG.md); pyproject.toml reads it from here.
__version__ = "0.1.0"

_LAZY = {
    "InferenceEndpoint": "pulumi_huggingface.resource",
    "InferenceEndpointArgs": "pulumi_huggingface.resource",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pulumi_huggingface' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
