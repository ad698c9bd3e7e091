"""The hardware catalogue the emulator offers, and validates create and update requests against.

A catalogue has the shape of `GET /v2/provider/{namespace}` (reference §2, `test_ie.py`
`MOCK_PROVIDERS`): vendors hold regions, regions hold computes, each compute with its quota. The
built-in one is the data in `BUILT_IN` below; `Catalogue.load(path)` reads a user's own snapshot of
that route's answer instead (`--catalog FILE`), so a CI run tests against the hardware and quotas
the user's account really has.

The built-in data follows what the live service listed ([O] reference §4.1, one spike): aws
eu-west-1 offers only `nvidia-t4` x1, `nvidia-a10g` x1 and Sapphire Rapids CPUs; H100 GPUs are on
GCP; an 8xH200 instance exists; region labels are plain place names ("N. Virginia"). Names follow
the 2024 scheme (`intel-icl` / `x2`, not `c6i` / `medium`, [O] huggingface_hub#2277). A few
entries are `not_available`, `low_availability` or `deprecated` so clients can be tested against
them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Statuses a create or update may not target (reference §4: "Compute instance not available yet", [O]).
UNUSABLE_STATUSES = frozenset({"not_available", "deprecated"})

# Accelerators of one type a namespace may run at once, `quota.maxAccelerators` in the listing,
# when the catalogue does not say ([I]: GPUs are scarce, CPUs plentiful).
DEFAULT_GPU_QUOTA = 16
DEFAULT_CPU_QUOTA = 1024


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
    num_cpus: int | None
    memory_gb: float
    gpu_memory_gb: int | None
    price_per_hour: float
    status: str = "available"
    max_accelerators: int = DEFAULT_GPU_QUOTA

    @property
    def id(self) -> str:
        """The id the API reports as `compute.id`, e.g. `aws-us-east-1-nvidia-l4-x1`."""
        return f"{self.vendor}-{self.region}-{self.instance_type}-{self.instance_size}"

    def to_json(self, max_accelerators: int, used_accelerators: int) -> dict[str, Any]:
        """The compute item of the provider listing, with a namespace's quota."""
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
            "quota": {"maxAccelerators": max_accelerators, "usedAccelerators": used_accelerators},
        }


@dataclass(frozen=True)
class Region:
    """A vendor's region: its name, its label (a plain place name) and its status."""

    vendor: str
    name: str
    label: str
    status: str = "available"


# ---------------------------------------------------------------------------------------------
# The built-in catalogue, as data.

# instance type -> (accelerator, architecture, vCPUs per unit, memory GB per unit, GPU memory GB
# per unit, price per unit-hour). A CPU "unit" is one vCPU.
_TYPES: dict[str, tuple[str, str, int, float, int | None, float]] = {
    "intel-icl": ("cpu", "Intel Ice Lake", 1, 2.0, None, 0.0335),
    "intel-spr": ("cpu", "Intel Sapphire Rapids", 1, 2.0, None, 0.0420),
    "nvidia-t4": ("gpu", "Nvidia T4", 4, 15.0, 16, 0.5),
    "nvidia-a10g": ("gpu", "Nvidia A10G", 6, 26.0, 24, 1.0),
    "nvidia-l4": ("gpu", "Nvidia L4", 7, 30.0, 24, 0.8),
    "nvidia-l40s": ("gpu", "Nvidia L40S", 8, 46.0, 48, 1.8),
    "nvidia-a100": ("gpu", "Nvidia A100", 11, 142.0, 80, 2.5),
    "nvidia-h100": ("gpu", "Nvidia H100", 23, 240.0, 80, 4.5),
    "nvidia-h200": ("gpu", "Nvidia H200", 23, 256.0, 141, 5.0),
}

# (vendor, region, label) -> {instance type: sizes offered}. Labels are plain place names [O].
_OFFERS: dict[tuple[str, str, str], dict[str, tuple[str, ...]]] = {
    ("aws", "us-east-1", "N. Virginia"): {
        "intel-icl": ("x1", "x2", "x4", "x8"),
        "intel-spr": ("x1", "x2", "x4", "x8", "x16"),
        "nvidia-t4": ("x1", "x2", "x4"),
        "nvidia-a10g": ("x1", "x4"),
        "nvidia-l4": ("x1", "x4"),
        "nvidia-l40s": ("x1", "x4", "x8"),
        "nvidia-a100": ("x1", "x2", "x4", "x8"),
        # An 8xH200 instance exists ([D] hub docs; the region is [I]).
        "nvidia-h200": ("x8",),
    },
    # Only these three, as the live listing showed ([O] spike): no L4, no A100, no Ice Lake.
    ("aws", "eu-west-1", "Ireland"): {
        "intel-spr": ("x1", "x2", "x4", "x8", "x16"),
        "nvidia-t4": ("x1",),
        "nvidia-a10g": ("x1",),
    },
    # H100 GPUs are on GCP ([O] spike).
    ("gcp", "us-east4", "N. Virginia"): {
        "intel-spr": ("x1", "x2", "x4", "x8"),
        "nvidia-l4": ("x1", "x4"),
        "nvidia-h100": ("x1", "x2", "x4", "x8"),
    },
    ("azure", "eastus", "Virginia"): {
        "intel-icl": ("x1", "x2", "x4", "x8"),
        "nvidia-a100": ("x1", "x2", "x4"),
    },
}

_STATUS_OVERRIDES: dict[str, str] = {
    "aws-us-east-1-nvidia-t4-x2": "deprecated",
    "aws-us-east-1-nvidia-h200-x8": "low_availability",
    "gcp-us-east4-nvidia-l4-x4": "low_availability",
    "azure-eastus-nvidia-a100-x4": "not_available",
}


def _built_in() -> tuple[tuple[Region, ...], tuple[Hardware, ...]]:
    regions: list[Region] = []
    offers: list[Hardware] = []
    for (vendor, region, label), types in _OFFERS.items():
        regions.append(Region(vendor, region, label))
        for instance_type, sizes in types.items():
            accelerator, architecture, cpus, memory, gpu_memory, price = _TYPES[instance_type]
            for size in sizes:
                n = int(size[1:])
                offer = Hardware(
                    vendor,
                    region,
                    accelerator,
                    instance_type,
                    size,
                    architecture,
                    num_accelerators=n,
                    num_cpus=cpus * n,
                    memory_gb=memory * n,
                    gpu_memory_gb=None if gpu_memory is None else gpu_memory * n,
                    price_per_hour=round(price * n, 4),
                    max_accelerators=DEFAULT_CPU_QUOTA if accelerator == "cpu" else DEFAULT_GPU_QUOTA,
                )
                status = _STATUS_OVERRIDES.get(offer.id)
                offers.append(offer if status is None else _with_status(offer, status))
    return tuple(regions), tuple(offers)


def _with_status(offer: Hardware, status: str) -> Hardware:
    return Hardware(**{**offer.__dict__, "status": status})


# ---------------------------------------------------------------------------------------------
# A catalogue.


class CatalogueError(ValueError):
    """A catalogue file that is not a `GET /v2/provider/{namespace}` answer."""


class Catalogue:
    """The regions and hardware offers the emulator serves and validates against.

    Args:
        regions: Every region, in listing order.
        hardware: Every offer.
    """

    def __init__(self, regions: Iterable[Region], hardware: Iterable[Hardware]) -> None:
        self.regions = tuple(regions)
        self.hardware = tuple(hardware)
        self._by_key = {(h.vendor, h.region, h.instance_type, h.instance_size): h for h in self.hardware}

    @classmethod
    def built_in(cls) -> Catalogue:
        """The emulator's own catalogue."""
        return cls(*_built_in())

    @classmethod
    def from_listing(cls, listing: Any) -> Catalogue:
        """A catalogue from the JSON `GET /v2/provider/{namespace}` returned.

        Each compute's `quota.maxAccelerators` becomes that hardware's quota in every namespace
        that sets none of its own; `usedAccelerators` is ignored (the emulator counts its own).

        Raises:
            CatalogueError: naming the first thing missing or of the wrong type.
        """
        try:
            vendors = _field(listing, "vendors", list, "the listing")
            regions: list[Region] = []
            hardware: list[Hardware] = []
            for vendor in vendors:
                vendor_name = _field(vendor, "name", str, "a vendor")
                for region in _field(vendor, "regions", list, f"vendor {vendor_name}"):
                    region_name = _field(region, "name", str, f"a region of {vendor_name}")
                    where = f"{vendor_name}/{region_name}"
                    regions.append(
                        Region(
                            vendor_name,
                            region_name,
                            str(region.get("label") or region_name),
                            str(region.get("status") or "available"),
                        )
                    )
                    for compute in _field(region, "computes", list, f"region {where}"):
                        hardware.append(_hardware(vendor_name, region_name, compute))
        except (AttributeError, TypeError, KeyError) as error:
            raise CatalogueError(f"not a GET /v2/provider answer: {error}") from None
        if not hardware:
            raise CatalogueError("the listing offers no hardware at all")
        return cls(regions, hardware)

    @classmethod
    def load(cls, path: str | Path) -> Catalogue:
        """A catalogue from a file holding a `GET /v2/provider/{namespace}` answer.

        Raises:
            CatalogueError: if the file is not JSON of that shape.
            OSError: if it cannot be read.
        """
        text = Path(path).read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise CatalogueError(f"{path} is not JSON: {error}") from None
        try:
            return cls.from_listing(data)
        except CatalogueError as error:
            raise CatalogueError(f"{path}: {error}") from None

    def find(self, vendor: str, region: str, instance_type: str, instance_size: str) -> Hardware | None:
        """The offer for this combination, or None if the catalogue has none."""
        return self._by_key.get((vendor, region, instance_type, instance_size))

    def default_quota(self, vendor: str, region: str, instance_type: str) -> int:
        """The catalogue's `maxAccelerators` for a hardware type (the largest any size states)."""
        quotas = [
            h.max_accelerators
            for h in self.hardware
            if (h.vendor, h.region, h.instance_type) == (vendor, region, instance_type)
        ]
        return max(quotas, default=0)

    def listing(
        self,
        quota: Mapping[tuple[str, str, str], int] | None = None,
        used: Mapping[tuple[str, str, str], int] | None = None,
    ) -> dict[str, Any]:
        """The body of `GET /v2/provider[/{namespace}]`.

        Args:
            quota: `maxAccelerators` per (vendor, region, instance type); the catalogue's own
                where absent.
            used: Accelerators in use per (vendor, region, instance type).
        """
        quota, used = quota or {}, used or {}
        vendors: dict[str, list[dict[str, Any]]] = {}
        for region in self.regions:
            computes = []
            for h in self.hardware:
                if (h.vendor, h.region) != (region.vendor, region.name):
                    continue
                key = (h.vendor, h.region, h.instance_type)
                computes.append(h.to_json(quota.get(key, h.max_accelerators), used.get(key, 0)))
            vendors.setdefault(region.vendor, []).append(
                {"name": region.name, "label": region.label, "status": region.status, "computes": computes}
            )
        return {
            "vendors": [
                {"name": vendor, "status": "available", "regions": regions}
                for vendor, regions in vendors.items()
            ]
        }


def _field(data: Any, key: str, kind: type, what: str) -> Any:
    if not isinstance(data, dict):
        raise CatalogueError(f"{what} is not an object")
    value = data.get(key)
    if not isinstance(value, kind):
        raise CatalogueError(f"{what} has no {key!r} {kind.__name__}")
    return value


def _hardware(vendor: str, region: str, compute: Any) -> Hardware:
    where = f"a compute of {vendor}/{region}"
    instance_type = _field(compute, "instanceType", str, where)
    instance_size = _field(compute, "instanceSize", str, where)
    quota = compute.get("quota") if isinstance(compute.get("quota"), dict) else {}
    num_accelerators = compute.get("numAccelerators")
    return Hardware(
        vendor,
        region,
        _field(compute, "accelerator", str, f"{where} ({instance_type} {instance_size})"),
        instance_type,
        instance_size,
        str(compute.get("architecture") or instance_type),
        num_accelerators=int(num_accelerators) if isinstance(num_accelerators, (int, float)) else 1,
        num_cpus=compute.get("numCpus"),
        memory_gb=float(compute.get("memoryGb") or 0.0),
        gpu_memory_gb=compute.get("gpuMemoryGb"),
        price_per_hour=float(compute.get("pricePerHour") or 0.0),
        status=str(compute.get("status") or "available"),
        max_accelerators=int(quota.get("maxAccelerators", DEFAULT_GPU_QUOTA)),
    )
