"""One resource served by ConfigureProbe, so the plugin starts and is configured."""

from probe_provider import Probe

Probe("probe")
