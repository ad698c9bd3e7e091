"""Test code: drive the SDK's dynamic provider server over gRPC and imitate the engine around it.

The CLI tier runs the real engine; this stays for what the CLI cannot give (killing the plugin in
the middle of a create, faults at the gRPC level, calls the engine never makes) and for bench/.

* `ProviderServer` starts the SDK's own dynamic provider server (`python -m pulumi.dynamic`), the
  process `pulumi up` runs, and calls it over gRPC the way the engine does.
* `run_program` runs a Pulumi program under the SDK's mocks and returns each resource's inputs as
  the engine receives them, secret markers included.
* `Deployment` walks those resources through Pulumi's step logic (preview, up, refresh, destroy)
  against a `ProviderServer`, keeping state between runs; `Plan.render()` prints a plan as
  `pulumi preview --diff` does.
"""

from support.engine import (
    Deployment,
    DeploymentError,
    Plan,
    RefreshResult,
    ResourceState,
    Step,
    StepOp,
)
from support.program import EchoMocks, RegisteredResource, run_program
from support.provider_server import (
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
from support.render import render_plan

__all__ = [
    "CheckFailure",
    "CheckResponse",
    "CreateResponse",
    "Deployment",
    "DeploymentError",
    "DiffResponse",
    "EchoMocks",
    "Plan",
    "ProviderCallError",
    "ProviderServer",
    "ProviderServerStartError",
    "ReadResponse",
    "RefreshResult",
    "RegisteredResource",
    "ResourceState",
    "Step",
    "StepOp",
    "make_urn",
    "render_plan",
    "run_program",
]
