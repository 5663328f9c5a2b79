"""Maintenance plans and the forecasts derived from readings (derived state: recomputed
whenever readings, maintenance visits or plans change, and nightly)."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.matching.normalise import normalize_model
from dealercrm import roles

from .. import forecast
from ..models import HourReading, MaintenanceForecast, MaintenancePlan, ServiceRecord

FORECAST_BATCH = 5_000  # 10 columns: 50,000 parameters, under PostgreSQL's 65,535


def _family(value: str) -> str:
    value = (value or "").strip()
    return (normalize_model(value).family or value.upper())[:30]


@transaction.atomic
def maintenance_plan_save(
    *, actor: roles.Actor, plan: MaintenancePlan | None, data: Mapping[str, Any]
) -> MaintenancePlan:
    """Create or change a family's plan; that family's forecasts follow at once."""
    roles.require(roles.can_configure_service, actor)
    plan = plan or MaintenancePlan()
    old_family = plan.model_family
    for name in ("model_family", "first_service_hours", "interval_hours", "note"):
        if name in data:
            setattr(plan, name, data[name])
    plan.model_family = _family(plan.model_family)
    plan.full_clean()
    plan._history_user = actor  # type: ignore[attr-defined]
    plan.save()
    refresh_forecasts(families=[f for f in {old_family, plan.model_family} if f])
    return plan


@transaction.atomic
def maintenance_plan_delete(*, actor: roles.Actor, plan: MaintenancePlan) -> None:
    roles.require(roles.can_configure_service, actor)
    family = plan.model_family
    plan._history_user = actor  # type: ignore[attr-defined]
    plan.delete()
    refresh_forecasts(families=[family])


# --- forecasts (derived state) ------------------------------------------------------------


def default_plan() -> forecast.Plan:
    conf = settings.DEALERCRM
    first, interval = conf["MAINTENANCE_FIRST_SERVICE_HOURS"], conf["MAINTENANCE_INTERVAL_HOURS"]
    label = _("default: %(first)s h, then every %(every)s h") % {
        "first": first,
        "every": interval,
    }
    return forecast.Plan(first, interval, label)


def plans_by_family() -> dict[str, forecast.Plan]:
    return {
        p.model_family: forecast.Plan(p.first_service_hours, p.interval_hours, str(p))
        for p in MaintenancePlan.objects.all()
    }


@dataclass
class RefreshResult:
    machines: int
    predicted: int
    not_enough: int
    no_usage: int
    compute_seconds: float
    write_seconds: float


def refresh_forecasts(
    *,
    machine_ids: Iterable[int] | None = None,
    families: Iterable[str] | None = None,
    now: dt.datetime | None = None,
) -> RefreshResult:
    """Recompute the forecasts of some machines (all when neither filter is given).

    Three reads however many machines (readings with their family, plans, the hours of
    the last maintenance visits), arithmetic per machine in Python, then a delete and a
    bulk insert. Internal: the calling service has checked the policy.
    """
    started = time.perf_counter()
    now = now or timezone.now()
    readings = HourReading.objects.all()
    serviced_qs = ServiceRecord.objects.filter(
        kind=ServiceRecord.Kind.MAINTENANCE, machine__isnull=False, hour_meter__isnull=False
    )
    targets = MaintenanceForecast.objects.all()
    if machine_ids is not None:
        ids = list(set(machine_ids))
        readings = readings.filter(machine_id__in=ids)
        serviced_qs = serviced_qs.filter(machine_id__in=ids)
        targets = targets.filter(machine_id__in=ids)
    if families is not None:
        names = list(set(families))
        readings = readings.filter(machine__model_family__in=names)
        serviced_qs = serviced_qs.filter(machine__model_family__in=names)
        targets = targets.filter(machine__model_family__in=names)
    plans, fallback = plans_by_family(), default_plan()
    serviced = dict(
        serviced_qs.values("machine_id")
        .annotate(at=Max("hour_meter"))
        .values_list("machine_id", "at")
    )
    rows = (
        readings.order_by("machine_id", "read_on", "hours", "id")
        .values_list("machine_id", "machine__model_family", "read_on", "hours")
        .iterator(chunk_size=20_000)
    )
    forecasts: list[MaintenanceForecast] = []
    counts = dict.fromkeys((forecast.PREDICTED, forecast.NOT_ENOUGH_READINGS, forecast.NO_USAGE), 0)
    for (machine_id, family), group in itertools.groupby(rows, key=lambda r: (r[0], r[1])):
        plan = plans.get(family, fallback)
        points = [(read_on, hours) for _m, _f, read_on, hours in group]
        result = forecast.predict(points, plan, serviced.get(machine_id))
        if result is None:
            continue
        counts[result.state] += 1
        forecasts.append(
            MaintenanceForecast(
                machine_id=machine_id,
                state=result.state,
                reading_count=result.reading_count,
                last_read_on=result.last_read_on,
                last_hours=result.last_hours,
                rate_per_day=result.rate_per_day,
                next_due_hours=result.next_due_hours,
                next_due_on=result.next_due_on,
                plan_label=plan.label[:60],
                computed_at=now,
            )
        )
    computed = time.perf_counter()
    with transaction.atomic():
        targets.delete()
        MaintenanceForecast.objects.bulk_create(forecasts, batch_size=FORECAST_BATCH)
    return RefreshResult(
        machines=len(forecasts),
        predicted=counts[forecast.PREDICTED],
        not_enough=counts[forecast.NOT_ENOUGH_READINGS],
        no_usage=counts[forecast.NO_USAGE],
        compute_seconds=computed - started,
        write_seconds=time.perf_counter() - computed,
    )


def maintenance_forecasts_refresh(*, actor: roles.Actor) -> RefreshResult:
    """Every machine's forecast, recomputed: the nightly job (a machine's model edited on the
    dossier, or a plan changed by hand in the database, is picked up here)."""
    roles.require(roles.can_refresh_maintenance_forecasts, actor)
    return refresh_forecasts()
