"""REST API of the parts ledger: parts-orders with their lines (archivist writes; service
staff have no access: these are money records)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from customers import selectors as customer_selectors
from dealercrm import roles
from dealercrm.api_permissions import policy
from dealercrm.validators import MAX_ID

from . import selectors, services
from .models import Category, PartsOrder, PartsOrderLine


class PartsOrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = PartsOrderLine
        fields = [
            "id",
            "position",
            "part",
            "part_number",
            "name",
            "category",
            "quantity",
            "unit_price",
            "discount_percent",
            "amount",
            "unit_cost",
        ]
        read_only_fields = fields


class PartsOrderSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    lines = PartsOrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = PartsOrder
        fields = [
            "id",
            "customer",
            "customer_name",
            "ordered_on",
            "invoice_number",
            "note",
            "subtotal",
            "discount_rate",
            "discount_amount",
            "total",
            "cost_total",
            "lines",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class LineInputSerializer(serializers.Serializer):
    """A catalogue part number alone fills in name, category and list price."""

    part_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True
    )
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    unit_cost = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        min_value=Decimal("0"),
        help_text="What one unit cost us; a catalogue part's cost price when left out.",
    )


class PartsOrderUpdateSerializer(serializers.Serializer):
    ordered_on = serializers.DateField()
    invoice_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    lines = LineInputSerializer(
        many=True, required=False, help_text="When given, replaces every line of the order."
    )


class PartsOrderInputSerializer(PartsOrderUpdateSerializer):
    customer = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    lines = LineInputSerializer(many=True)


class _OrderQuery(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    search = serializers.CharField(max_length=100, required=False, allow_blank=True)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("customer", int),
            OpenApiParameter("search", str, description="Invoice number, part number or name"),
        ]
    ),
    create=extend_schema(request=PartsOrderInputSerializer, responses={201: PartsOrderSerializer}),
    update=extend_schema(request=PartsOrderUpdateSerializer, responses=PartsOrderSerializer),
    partial_update=extend_schema(
        request=PartsOrderUpdateSerializer, responses=PartsOrderSerializer
    ),
)
class PartsOrderViewSet(viewsets.ModelViewSet):
    """Parts purchases with their lines. Amounts are computed by the server (Decimal, to
    the fen); a gold-card customer's discount is applied and recorded automatically."""

    permission_classes = [
        policy(read=roles.can_view_parts_orders, write=roles.can_write_parts_order)
    ]
    serializer_class = PartsOrderSerializer
    queryset = PartsOrder.objects.none()

    def get_queryset(self) -> Any:
        query = _OrderQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return selectors.parts_order_list(
            user=self.request.user, customer=data.get("customer"), search=data.get("search", "")
        ).prefetch_related("lines")

    def get_object(self) -> PartsOrder:
        order = selectors.parts_order_get(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, order)
        return order

    def _out(self, order: PartsOrder, code: int = status.HTTP_200_OK) -> Response:
        order = (
            selectors.parts_orders(user=self.request.user)
            .select_related("customer")
            .prefetch_related("lines")
            .get(pk=order.pk)
        )
        return Response(PartsOrderSerializer(order).data, status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._out(self.get_object())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = PartsOrderInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        customer = customer_selectors.customer_get(user=request.user, pk=data.pop("customer"))
        lines = data.pop("lines")
        order = services.parts_order_create(
            actor=request.user, customer=customer, data=data, lines=lines
        )
        return self._out(order, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        order = self.get_object()
        serializer = PartsOrderUpdateSerializer(
            data=request.data, partial=kwargs.pop("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lines = data.pop("lines", None)
        order = services.parts_order_update(actor=request.user, order=order, data=data, lines=lines)
        return self._out(order)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.parts_order_delete(actor=request.user, order=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
