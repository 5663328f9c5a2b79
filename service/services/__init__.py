"""Every write of the service desk: service records, hour-meter readings, maintenance plans
and the forecasts derived from them. Each function checks dealercrm.roles first and is
atomic; a refused input raises ValidationError and writes nothing."""

from .maintenance import (
    RefreshResult,
    default_plan,
    maintenance_forecasts_refresh,
    maintenance_plan_delete,
    maintenance_plan_save,
    plans_by_family,
    refresh_forecasts,
)
from .readings import hour_reading_add, hour_reading_delete
from .records import (
    service_record_create,
    service_record_delete,
    service_record_update,
)

__all__ = [
    "RefreshResult",
    "default_plan",
    "hour_reading_add",
    "hour_reading_delete",
    "maintenance_forecasts_refresh",
    "maintenance_plan_delete",
    "maintenance_plan_save",
    "plans_by_family",
    "refresh_forecasts",
    "service_record_create",
    "service_record_delete",
    "service_record_update",
]
