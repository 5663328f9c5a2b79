"""The gold-card and 80/20 dashboards (`dashboard`, issue 7)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dealercrm import roles
from dealercrm.api_permissions import policy
from dealercrm.months import this_month
from dealercrm.templatetags.dealercrm import person

from ..forms import DashboardFilterForm
from ..selectors import dashboard
from ..selectors.tiers import latest_month

_DASHBOARD_PARAMETERS = [
    OpenApiParameter(
        "month", str, description="YYYY-MM (default: the current month in Asia/Shanghai)"
    ),
    OpenApiParameter("region", int, description="A sales region id."),
    OpenApiParameter(
        "manager", int, description="A sales manager's user id (a manager: only himself)."
    ),
]
_PARETO_PARAMETERS = [
    OpenApiParameter("month", str, description="YYYY-MM (default: the newest computed month)"),
    OpenApiParameter(
        "compare", str, description="YYYY-MM the tiers moved from (default: the month before)"
    ),
    *_DASHBOARD_PARAMETERS[1:],
]


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-01"})
class MonthOutField(serializers.Field):
    """A calendar month as YYYY-MM."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        return f"{value:%Y-%m}"


class ManagerFigureSerializer(serializers.Serializer):
    manager = serializers.IntegerField(allow_null=True, source="manager.pk", default=None)
    manager_name = serializers.SerializerMethodField()
    held = serializers.IntegerField(help_text="Gold customers with an active card at month end.")
    cap = serializers.IntegerField()
    due = serializers.IntegerField(help_text="The month's gold-contact reminders.")
    contacted = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="contacted / due in percent.")
    missed_month = serializers.IntegerField()
    missed_6m = serializers.IntegerField(help_text="Missed gold contacts in the last 6 months.")
    credits = serializers.DecimalField(max_digits=16, decimal_places=2)

    def get_manager_name(self, obj: Any) -> str:
        return person(obj.manager) if obj.manager else ""


class MonthCountSerializer(serializers.Serializer):
    month = MonthOutField()
    count = serializers.IntegerField()


class ComplianceMonthSerializer(serializers.Serializer):
    month = MonthOutField()
    due = serializers.IntegerField()
    contacted = serializers.IntegerField()
    missed = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class ReferralMonthSerializer(serializers.Serializer):
    month = MonthOutField()
    new = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=16, decimal_places=2)


class ReferrerSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer_id")
    name = serializers.CharField()
    referred = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=16, decimal_places=2)


class GoldDashboardSerializer(serializers.Serializer):
    month = MonthOutField(source="filters.month")
    region = serializers.IntegerField(allow_null=True, source="filters.region")
    manager = serializers.IntegerField(allow_null=True, source="filters.manager")
    cap = serializers.IntegerField()
    active_gold = serializers.IntegerField()
    trend = serializers.SerializerMethodField()
    managers = ManagerFigureSerializer(many=True)
    due = serializers.IntegerField()
    contacted = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    compliance_trend = ComplianceMonthSerializer(many=True)
    overdue = serializers.IntegerField()
    at_risk = serializers.IntegerField()
    at_risk_gold = serializers.IntegerField()
    credits_outstanding = serializers.DecimalField(max_digits=16, decimal_places=2)
    credits_customers = serializers.IntegerField()
    referrals_new = serializers.IntegerField()
    referrals_total = serializers.IntegerField()
    referral_revenue_month = serializers.DecimalField(max_digits=16, decimal_places=2)
    referral_revenue_total = serializers.DecimalField(max_digits=16, decimal_places=2)
    referral_trend = ReferralMonthSerializer(many=True)
    referrers = ReferrerSerializer(many=True)

    @extend_schema_field(MonthCountSerializer(many=True))
    def get_trend(self, obj: Any) -> list[dict[str, Any]]:
        return [{"month": f"{m:%Y-%m}", "count": n} for m, n in obj.trend]


class ParetoPointSerializer(serializers.Serializer):
    customers = serializers.IntegerField()
    customers_pct = serializers.FloatField()
    share_pct = serializers.FloatField()


class TierFigureSerializer(serializers.Serializer):
    tier = serializers.CharField()
    customers = serializers.IntegerField()
    customers_pct = serializers.FloatField()
    contribution = serializers.DecimalField(max_digits=16, decimal_places=2)
    contribution_pct = serializers.FloatField()


class GridFigureSerializer(serializers.Serializer):
    grid = serializers.CharField()
    # drf-stubs read a declared field as a class attribute, here clashing with Field.label;
    # DRF's SerializerMetaclass pops declared fields from the class, so there is no clash.
    label = serializers.CharField()  # type: ignore[assignment]
    customers = serializers.IntegerField()
    contribution = serializers.DecimalField(max_digits=16, decimal_places=2)


class TierMoveSerializer(serializers.Serializer):
    was = serializers.CharField(help_text='Tier in the compared month ("-": not ranked).')
    now = serializers.CharField(help_text='Tier in the month ("-": not ranked).')
    customers = serializers.IntegerField()


class ParetoDashboardSerializer(serializers.Serializer):
    month = MonthOutField()
    compare = MonthOutField()
    region = serializers.IntegerField(allow_null=True, source="filters.region")
    manager = serializers.IntegerField(allow_null=True, source="filters.manager")
    customers = serializers.IntegerField()
    contribution = serializers.DecimalField(max_digits=16, decimal_places=2)
    curve = ParetoPointSerializer(many=True)
    tiers = TierFigureSerializer(many=True)
    movement = serializers.SerializerMethodField()
    grid = GridFigureSerializer(many=True)

    @extend_schema_field(TierMoveSerializer(many=True))
    def get_movement(self, obj: Any) -> list[dict[str, Any]]:
        return [
            {"was": was, "now": now, "customers": n}
            for was, cells in obj.movement_rows()
            for now, n in cells
        ]


class DashboardViewSet(viewsets.ViewSet):
    """The dashboards' figures as JSON, with the browser's filters as query parameters:
    executives and the archivist get the whole group, a manager his own customers'."""

    permission_classes = [policy(read=roles.can_view_dashboards)]

    def _filters(self, request: Request, default_month: Any) -> Any:
        form = DashboardFilterForm(
            request.query_params, user=request.user, default_month=default_month
        )
        if not form.is_valid():
            raise serializers.ValidationError(
                {field: [str(e) for e in errors] for field, errors in form.errors.items()}
            )
        return form.filters()

    @extend_schema(parameters=_DASHBOARD_PARAMETERS, responses=GoldDashboardSerializer)
    @action(detail=False, methods=["get"])
    def gold(self, request: Request) -> Response:
        """The gold-card dashboard: active gold customers and their trend, per manager
        holdings against the cap and contact compliance, overdue and at-risk customers,
        outstanding credits and the referral snowball."""
        filters = self._filters(request, this_month())
        data = dashboard.gold_dashboard(user=request.user, filters=filters)
        return Response(GoldDashboardSerializer(data).data)

    @extend_schema(parameters=_PARETO_PARAMETERS, responses=ParetoDashboardSerializer)
    @action(detail=False, methods=["get"])
    def pareto(self, request: Request) -> Response:
        """The 80/20 view: the Pareto curve, tier counts and shares, the tier movement
        matrix between two months and the EI–EIV grid."""
        filters = self._filters(request, latest_month() or this_month())
        data = dashboard.pareto_dashboard(user=request.user, filters=filters)
        return Response(ParetoDashboardSerializer(data).data)
