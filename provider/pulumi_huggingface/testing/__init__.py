"""Test Pulumi programs and dynamic providers without the Pulumi CLI or a Hugging Face account.

* `ProviderServer` starts the SDK's own dynamic provider server (`python -m pulumi.dynamic`), the
  process `pulumi up` runs, and calls it over gRPC the way the engine does.
* `run_program` runs a Pulumi program under the SDK's mocks and returns each resource's inputs as
  the engine receives them, secret markers included.
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
from pulumi_huggingface.testing.program import EchoMocks, RegisteredResource, run_program

__all__ = [
    "CheckFailure",
    "CheckResponse",
    "CreateResponse",
    "DiffResponse",
    "EchoMocks",
    "ProviderCallError",
    "ProviderServer",
    "ProviderServerStartError",
    "ReadResponse",
    "RegisteredResource",
    "make_urn",
    "run_program",
]
