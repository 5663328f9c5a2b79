"""Writing the demo: users per role, sales regions, and customer specs written through the
services as the archivist, so policy, validation, keys, permissions and history all run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction

from customers import services
from customers.models import Customer, Machine, Operator, Project, SalesRegion, Shareholder
from dealercrm import roles
from demo.spec import CustomerSpec
from demo.vocabulary import REGIONS

DEFAULT_PASSWORD = "demo12345"  # noqa: S105 -- the documented demo login (ARCHITECTURE.md)


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str | None  # None: the superuser
    last_name: str
    first_name: str
    is_staff: bool = False


DEMO_USERS = (
    DemoUser("admin", None, "系统", "管理员", is_staff=True),
    # The archivist maintains dossiers in the admin too.
    DemoUser("archivist", roles.ARCHIVIST, "孙", "丽娟", is_staff=True),
    DemoUser("manager1", roles.SALES_MANAGER, "王", "建国"),
    DemoUser("manager2", roles.SALES_MANAGER, "李", "志强"),
    DemoUser("manager3", roles.SALES_MANAGER, "张", "海涛"),
    DemoUser("manager4", roles.SALES_MANAGER, "赵", "永刚"),
    DemoUser("manager5", roles.SALES_MANAGER, "陈", "立新"),
    DemoUser("service1", roles.SERVICE, "周", "明亮"),
    DemoUser("exec1", roles.EXECUTIVE, "郑", "国华"),
)


def ensure_users(password: str) -> dict[str, Any]:
    """The demo users by username, created or brought in line with DEMO_USERS."""
    User = get_user_model()
    # The roles migration creates these; get_or_create keeps the command working on a
    # database built without migrations (pytest --no-migrations).
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in roles.ROLES}
    users = {}
    for spec in DEMO_USERS:
        user, created = User.objects.get_or_create(username=spec.username)
        wanted = {
            "first_name": spec.first_name,
            "last_name": spec.last_name,
            "is_staff": spec.is_staff,
            "is_superuser": spec.role is None,
            "is_active": True,
        }
        changed = [name for name, value in wanted.items() if getattr(user, name) != value]
        for name in changed:
            setattr(user, name, wanted[name])
        # Only when needed: argon2 is slow, and a changed DEMO_PASSWORD must take effect.
        if created or not user.check_password(password):
            user.set_password(password)
            changed.append("password")
        if changed:
            user.save(update_fields=changed)
        if spec.role and not user.groups.filter(pk=groups[spec.role].pk).exists():
            user.groups.add(groups[spec.role])
        users[spec.username] = user
    return users


def ensure_regions() -> dict[str, SalesRegion]:
    """The sales regions by name, created if missing."""
    # Regions are reference data with no service of their own (like the admin edits them).
    regions = {}
    for region in REGIONS:
        note = f"{region.province} {'、'.join(c.name for c in region.cities)}；{region.manager}"
        regions[region.name] = SalesRegion.objects.get_or_create(
            name=region.name, defaults={"note": note}
        )[0]
    return regions


def write_customers(
    specs: list[CustomerSpec],
    *,
    actor: roles.Actor,
    users: dict[str, Any],
    regions: dict[str, SalesRegion],
) -> int:
    """Write the specs whose `external_ref` is not there yet; existing ones are skipped.
    Returns how many customers were created."""
    existing = set(
        Customer.objects.filter(external_ref__in=[s.ref for s in specs]).values_list(
            "external_ref", flat=True
        )
    )
    created = 0
    for spec in specs:
        if spec.ref in existing:
            continue
        try:
            # One transaction per customer: a failure leaves no half-written dossier.
            with transaction.atomic():
                write_customer(spec, actor=actor, users=users, regions=regions)
        except ValidationError as exc:
            raise CommandError(f"{spec.ref} {spec.data['name']}: {exc}") from exc
        created += 1
    return created


def write_customer(
    spec: CustomerSpec,
    *,
    actor: roles.Actor,
    users: dict[str, Any],
    regions: dict[str, SalesRegion],
) -> Customer:
    """One dossier through `customers.services`, exactly as a user of the app would write it."""
    data = {
        **spec.data,
        "external_ref": spec.ref,
        "sales_region": regions[spec.region] if spec.region else None,
        "manager": users[spec.manager] if spec.manager else None,
    }
    customer = services.customer_create(
        actor=actor,
        data=data,
        phones=spec.phones,
        # The demo holds duplicates on purpose (the review queue's examples).
        confirm_new=True,
        confirm_reason="demo data",
    )
    for row in spec.shareholders:
        services.row_add(actor=actor, customer=customer, model=Shareholder, data=row)
    machines = [
        services.row_add(actor=actor, customer=customer, model=Machine, data=row)
        for row in spec.machines
    ]
    for row in spec.operators:
        index = row["machine"]
        operator = {**row, "machine": machines[index] if index is not None else None}
        services.row_add(actor=actor, customer=customer, model=Operator, data=operator)
    for row in spec.projects:
        services.row_add(actor=actor, customer=customer, model=Project, data=row)
    return customer
