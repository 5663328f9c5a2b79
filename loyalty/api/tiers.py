"""The monthly 80/20 tier snapshots (`tiers`)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from customers import selectors as customer_selectors
from dealercrm import roles
from dealercrm.api_permissions import policy
from dealercrm.api_support import IdField, MonthQueryField, ScopedObjectMixin

from ..models import TierSnapshot


class TierSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    manager = serializers.IntegerField(source="customer.manager_id", read_only=True)

    class Meta:
        model = TierSnapshot
        fields = [
            "id",
            "month",
            "customer",
            "customer_name",
            "manager",
            "machines_total",
            "parts_total",
            "service_total",
            "contribution",
            "rank",
            "share_before",
            "tier",
            "previous_tier",
            "stable_quarters",
            "grid",
        ]
        read_only_fields = fields


class _TierQuery(serializers.Serializer):
    month = MonthQueryField()
    tier = serializers.ChoiceField(choices=TierSnapshot.Tier.choices, required=False)
    manager = IdField(required=False)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM (default: the newest month)"),
            OpenApiParameter("tier", str, enum=TierSnapshot.Tier.values),
            OpenApiParameter("manager", int),
        ]
    )
)
class TierViewSet(ScopedObjectMixin, viewsets.ReadOnlyModelViewSet):
    """Monthly 80/20 snapshots: managers see their own customers', executives all."""

    permission_classes = [policy(read=roles.can_view_money)]
    serializer_class = TierSerializer
    queryset = TierSnapshot.objects.none()

    def get_queryset(self) -> Any:
        from ..selectors import tiers as tier_selectors

        if self.action != "list":
            return TierSnapshot.objects.filter(
                customer__in=customer_selectors.visible_customers(user=self.request.user)
            ).select_related("customer")
        query = _TierQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        month = data.get("month") or tier_selectors.latest_month()
        return tier_selectors.tier_list(
            user=self.request.user,
            month=month,
            tier=data.get("tier", ""),
            manager=data.get("manager"),
        )
