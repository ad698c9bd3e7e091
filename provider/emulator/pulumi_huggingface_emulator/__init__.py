"""A local emulator of the Hugging Face Inference Endpoints API.

It imports nothing from the provider (nor Pulumi), so the two cannot share a mistake: the
provider's tests check it against this emulator, and this emulator against huggingface_hub.

Example:
    >>> from pulumi_huggingface_emulator import EmulatorServer
    >>> with EmulatorServer(provision_seconds=0.5) as server:
    ...     print(server.base_url)  # point the client here

The distribution's README (provider/emulator/README.md in the repository) lists the routes,
switches, faults and the control interface.
"""

from .app import EmulatorApp
from .errors import ApiError
from .faults import FaultRule
from .server import EmulatorServer
from .settings import Settings

__all__ = ["ApiError", "EmulatorApp", "EmulatorServer", "FaultRule", "Settings"]

# The release, shared with pulumi-huggingface (see CHANGELOG.md); pyproject.toml reads it from here.
__version__ = "0.1.0"
