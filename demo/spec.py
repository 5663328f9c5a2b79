"""One demo dossier as plain data: generated in full first, written through the services later."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REF_PREFIX = "demo-"


@dataclass
class CustomerSpec:
    """One dossier as plain data; `region` and `manager` are names resolved when writing."""

    ref: str
    data: dict[str, Any]
    region: str | None
    manager: str | None
    phones: list[dict[str, Any]] = field(default_factory=list)
    shareholders: list[dict[str, Any]] = field(default_factory=list)
    machines: list[dict[str, Any]] = field(default_factory=list)
    operators: list[dict[str, Any]] = field(default_factory=list)  # "machine": index or None
    projects: list[dict[str, Any]] = field(default_factory=list)
