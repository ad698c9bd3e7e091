"""Test Pulumi programs and dynamic providers without the Pulumi CLI or a Hugging Face account.

* `ProviderServer` starts the SDK's own dynamic provider server (`python -m pulumi.dynamic`), the
  process `pulumi up` runs, and calls it over gRPC the way the engine does.
"""

from pulumi_huggingface.testing.provider_server import (
    CheckFailure,
    CheckResponse,
    CreateResponse,
    DiffResponse,
    ProviderCallError,
    ProviderServer,
    ProviderServerStartError,
    ReadResponse,
    make_urn,
)

__all__ = [
    "CheckFailure",
    "CheckResponse",
    "CreateResponse",
    "DiffResponse",
    "ProviderCallError",
    "ProviderServer",
    "ProviderServerStartError",
    "ReadResponse",
    "make_urn",
]
