"""The hardware catalogue the emulator offers, and validates create and update requests against.

Modelled on `GET /v2/provider/{namespace}` (reference §2, `test_ie.py` `MOCK_PROVIDERS`): vendors
hold regions, regions hold computes. Names follow the 2024 scheme (`intel-icl` / `x2`, not
`c6i` / `medium`, [O] huggingface_hub#2277), and `nvidia-l4` is absent from aws eu-west-1 ([O]
spike). A few entries are `not_available`, `low_availability` or `deprecated` so clients can be
tested against them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Statuses a create or update may not target (reference §4: "Compute instance not available yet", [O]).
UNUSABLE_STATUSES = frozenset({"not_available", "deprecated"})

# Accelerators of one type a namespace may run at once, reported as `quota.maxAccelerators`.
QUOTA_MAX_ACCELERATORS = 16


@dataclass(frozen=True)
class Hardware:
    """One compute offer: an instance type and size in one vendor's region."""

    vendor: str
    region: str
    accelerator: str
    instance_type: str
    instance_size: str
    architecture: str
    num_accelerators: int
    num_cpus: int
    memory_gb: float
    gpu_memory_gb: int | None
    price_per_hour: float
    status: str = "available"

    @property
    def id(self) -> str:
        """The id the API reports as `compute.id`, e.g. `aws-us-east-1-nvidia-l4-x1`."""
        return f"{self.vendor}-{self.region}-{self.instance_type}-{self.instance_size}"

    def to_json(self, used_accelerators: int) -> dict[str, Any]:
        """The compute item of the provider listing, with this namespace's quota."""
        return {
            "id": self.id,
            "accelerator": self.accelerator,
            "numAccelerators": self.num_accelerators,
            "numCpus": self.num_cpus,
            "memoryGb": self.memory_gb,
            "gpuMemoryGb": self.gpu_memory_gb,
            "instanceType": self.instance_type,
            "instanceSize": self.instance_size,
            "architecture": self.architecture,
            "status": self.status,
            "pricePerHour": self.price_per_hour,
            "quota": {"maxAccelerators": QUOTA_MAX_ACCELERATORS, "usedAccelerators": used_accelerators},
        }


_SIZES = {"x1": 1, "x2": 2, "x4": 4, "x8": 8}

# (instance type, architecture, memory GB per vCPU, price per vCPU-hour)
_CPUS = (
    ("intel-icl", "Intel Ice Lake", 2.0, 0.0335),
    ("intel-spr", "Intel Sapphire Rapids", 2.0, 0.0420),
)

# (instance type, architecture, vCPUs, memory GB, GPU memory GB, price per hour) for one GPU
_GPUS = {
    "nvidia-t4": ("Nvidia T4", 4, 15.0, 16, 0.5),
    "nvidia-a10g": ("Nvidia A10G", 6, 26.0, 24, 1.0),
    "nvidia-l4": ("Nvidia L4", 7, 30.0, 24, 0.8),
    "nvidia-l40s": ("Nvidia L40S", 8, 46.0, 48, 1.8),
    "nvidia-a100": ("Nvidia A100", 11, 142.0, 80, 2.5),
}

_REGIONS: dict[tuple[str, str], str] = {
    ("aws", "us-east-1"): "N. Virginia",
    ("aws", "eu-west-1"): "Ireland",
    ("gcp", "us-east4"): "Virginia",
    ("azure", "eastus"): "Virginia",
}

# Which GPU types each region offers, and status overrides for a few offers.
_GPU_TYPES: dict[tuple[str, str], tuple[str, ...]] = {
    ("aws", "us-east-1"): ("nvidia-t4", "nvidia-a10g", "nvidia-l4", "nvidia-l40s", "nvidia-a100"),
    ("aws", "eu-west-1"): ("nvidia-t4", "nvidia-a10g", "nvidia-a100"),
    ("gcp", "us-east4"): ("nvidia-t4", "nvidia-l4", "nvidia-a100"),
    ("azure", "eastus"): ("nvidia-a10g", "nvidia-a100"),
}
_CPU_TYPES: dict[tuple[str, str], tuple[str, ...]] = {
    ("aws", "us-east-1"): ("intel-icl", "intel-spr"),
    ("aws", "eu-west-1"): ("intel-icl", "intel-spr"),
    ("gcp", "us-east4"): ("intel-spr",),
    ("azure", "eastus"): ("intel-icl",),
}
_STATUS_OVERRIDES: dict[str, str] = {
    "aws-us-east-1-nvidia-t4-x2": "deprecated",
    "aws-eu-west-1-nvidia-a100-x4": "not_available",
    "gcp-us-east4-nvidia-l4-x4": "low_availability",
    "azure-eastus-nvidia-a100-x4": "not_available",
}


def _build() -> tuple[Hardware, ...]:
    offers: list[Hardware] = []
    for (vendor, region), cpu_types in _CPU_TYPES.items():
        for instance_type, architecture, gb_per_cpu, price in _CPUS:
            if instance_type not in cpu_types:
                continue
            for size, n in _SIZES.items():
                offers.append(
                    Hardware(
                        vendor,
                        region,
                        "cpu",
                        instance_type,
                        size,
                        architecture,
                        num_accelerators=n,
                        num_cpus=n,
                        memory_gb=gb_per_cpu * n,
                        gpu_memory_gb=None,
                        price_per_hour=round(price * n, 4),
                    )
                )
        for instance_type in _GPU_TYPES[(vendor, region)]:
            architecture, cpus, memory, gpu_memory, price = _GPUS[instance_type]
            for size in ("x1", "x2", "x4"):
                n = _SIZES[size]
                offers.append(
                    Hardware(
                        vendor,
                        region,
                        "gpu",
                        instance_type,
                        size,
                        architecture,
                        num_accelerators=n,
                        num_cpus=cpus * n,
                        memory_gb=memory * n,
                        gpu_memory_gb=gpu_memory * n,
                        price_per_hour=round(price * n, 4),
                    )
                )
    return tuple(
        Hardware(**{**offer.__dict__, "status": _STATUS_OVERRIDES.get(offer.id, offer.status)})
        for offer in offers
    )


HARDWARE: tuple[Hardware, ...] = _build()
_BY_KEY = {(h.vendor, h.region, h.instance_type, h.instance_size): h for h in HARDWARE}


def find(vendor: str, region: str, instance_type: str, instance_size: str) -> Hardware | None:
    """The offer for this combination, or None if the catalogue has none."""
    return _BY_KEY.get((vendor, region, instance_type, instance_size))


def listing(used_accelerators: dict[tuple[str, str, str], int] | None = None) -> dict[str, Any]:
    """The body of `GET /v2/provider[/{namespace}]`.

    Args:
        used_accelerators: Accelerators in use per (vendor, region, instance type), for the quota.
    """
    used = used_accelerators or {}
    vendors: dict[str, list[dict[str, Any]]] = {}
    for (vendor, region), city in _REGIONS.items():
        computes = [
            h.to_json(used.get((vendor, region, h.instance_type), 0))
            for h in HARDWARE
            if (h.vendor, h.region) == (vendor, region)
        ]
        vendors.setdefault(vendor, []).append(
            {"name": region, "label": f"{region} ({city})", "status": "available", "computes": computes}
        )
    return {
        "vendors": [
            {"name": vendor, "status": "available", "regions": regions} for vendor, regions in vendors.items()
        ]
    }
