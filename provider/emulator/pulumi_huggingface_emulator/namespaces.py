"""Namespaces: who may act in each, whether it can pay, and its accelerator quotas.

The live service refuses a namespace without a payment method with 403 `{"error": "Forbidden:
Payment method required for namespace: <ns>", "code": "FORBIDDEN"}` ([O] reference §4.1), answers
403 to a token without access to an organisation ([O] reference §6.10), refuses a create, resume
or update beyond the namespace's accelerator quota with 409 `Conflict: Quota exceeded` ([O]
lighteval), and reports `maxAccelerators: 0` for an account without a payment method ([O]).

By default the whoami user's namespace and its organisations work, with a payment method and the
catalogue's quotas; any other namespace is refused. A `Namespace` changes that for one name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, forbidden


@dataclass(frozen=True)
class Namespace:
    """One namespace's settings.

    Attributes:
        name: The user or organisation name.
        payment_method: Whether a payment method is on file. Without one, every endpoint call in
            the namespace answers 403 and the listing reports `maxAccelerators: 0`.
        users: The users who may act here; None means the whoami user.
        tokens: The bearer tokens that may act here; None means any token the emulator accepts.
        max_accelerators: The quota of every hardware type; None keeps the catalogue's.
        quotas: Quotas per instance type (e.g. `{"nvidia-t4": 1}`), over `max_accelerators`.
    """

    name: str
    payment_method: bool = True
    users: tuple[str, ...] | None = None
    tokens: tuple[str, ...] | None = None
    max_accelerators: int | None = None
    quotas: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key, value in {"max_accelerators": self.max_accelerators, **self.quotas}.items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ValueError(f"quota {key} must be an integer >= 0, not {value!r}")

    def quota(self, instance_type: str, catalogue_quota: int) -> int:
        """`maxAccelerators` of one hardware type here: 0 without a payment method ([O])."""
        if not self.payment_method:
            return 0
        if instance_type in self.quotas:
            return self.quotas[instance_type]
        return catalogue_quota if self.max_accelerators is None else self.max_accelerators

    def to_json(self) -> dict[str, Any]:
        """The namespace as the control route `GET /_emulator/namespaces` shows it."""
        return {
            "name": self.name,
            "paymentMethod": self.payment_method,
            "users": None if self.users is None else list(self.users),
            "tokens": None if self.tokens is None else ["***" for _ in self.tokens],
            "maxAccelerators": self.max_accelerators,
            "quotas": dict(self.quotas),
        }

    @classmethod
    def from_json(cls, name: str, data: Mapping[str, Any]) -> Namespace:
        """A namespace from the JSON body of `PUT /_emulator/namespaces/{name}`.

        Raises:
            ValueError: for an unknown key or a value of the wrong type.
        """
        known = {"paymentMethod", "users", "tokens", "maxAccelerators", "quotas", "name"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown namespace settings: {sorted(unknown)} (known: {sorted(known)})")
        payment = data.get("paymentMethod", True)
        if not isinstance(payment, bool):
            raise ValueError("paymentMethod must be true or false")
        quotas = data.get("quotas") or {}
        if not isinstance(quotas, dict):
            raise ValueError('quotas must be an object like {"nvidia-t4": 1}')
        return cls(
            name,
            payment_method=payment,
            users=_names(data.get("users"), "users"),
            tokens=_names(data.get("tokens"), "tokens"),
            max_accelerators=data.get("maxAccelerators"),
            quotas=dict(quotas),
        )

    @classmethod
    def parse(cls, spec: str) -> Namespace:
        """A namespace from the command line's `--namespace NAME[:KEY=VALUE]...`.

        Keys: `payment=yes|no`, `users=a,b`, `tokens=t1,t2`, `max-accelerators=N`, and
        `quota.<instance type>=N`; e.g. `acme:payment=no` or `big:users=alice:quota.nvidia-t4=1`.

        Raises:
            ValueError: for a malformed spec.
        """
        name, *options = spec.split(":")
        if not name:
            raise ValueError(f"--namespace {spec!r}: the name comes first, e.g. acme:payment=no")
        payment, users, tokens, max_accelerators = True, None, None, None
        quotas: dict[str, int] = {}
        for option in options:
            key, sep, value = option.partition("=")
            if not sep:
                raise ValueError(f"--namespace {spec!r}: {option!r} is not KEY=VALUE")
            if key == "payment":
                if value not in ("yes", "no"):
                    raise ValueError(f"--namespace {spec!r}: payment is yes or no")
                payment = value == "yes"
            elif key == "users":
                users = tuple(v for v in value.split(",") if v)
            elif key == "tokens":
                tokens = tuple(v for v in value.split(",") if v)
            elif key == "max-accelerators":
                max_accelerators = int(value)
            elif key.startswith("quota."):
                quotas[key.removeprefix("quota.")] = int(value)
            else:
                raise ValueError(
                    f"--namespace {spec!r}: unknown key {key!r} "
                    "(payment, users, tokens, max-accelerators, quota.<instance type>)"
                )
        return cls(name, payment, users, tokens, max_accelerators, quotas)


def _names(value: Any, what: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} must be a list of strings or null")
    return tuple(value)


def payment_required(namespace: str) -> ApiError:
    """The live service's answer for a namespace without a payment method ([O] verbatim)."""
    return forbidden(f"Payment method required for namespace: {namespace}")


def no_access(namespace: str) -> ApiError:
    """The answer to a user or token that may not act in a namespace ([O] status, [I] wording)."""
    return forbidden(f"You don't have access to namespace: {namespace}")


def quota_exceeded() -> ApiError:
    """The live service's answer to a change beyond the quota ([O] lighteval, verbatim)."""
    return ApiError(409, "Conflict: Quota exceeded")
