"""The benefit ledger (`ledger`): parts credits earned by rule, redeemed on parts orders,
corrected by reversal; a customer's balance."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customers import selectors as customer_selectors
from dealercrm import roles
from dealercrm.api_permissions import policy
from dealercrm.api_support import IdField
from parts import selectors as parts_selectors

from .. import selectors, services
from ..models import GoldCard, LedgerEntry
from .common import JsonOnly, _Query


class LedgerEntrySerializer(serializers.ModelSerializer):
    rule_code = serializers.CharField(source="rule.code", read_only=True, default=None)
    reversed_by = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "customer",
            "kind",
            "amount",
            "occurred_on",
            "rule",
            "rule_code",
            "buyer",
            "machine_number",
            "machine",
            "parts_order",
            "reverses",
            "reversed_by",
            "reason",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_reversed_by(self, obj: LedgerEntry) -> int | None:
        reversal = getattr(obj, "reversed_by", None)
        return reversal.pk if reversal is not None else None


class BalanceSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    card = serializers.CharField(allow_null=True)
    card_state = serializers.ChoiceField(choices=GoldCard.State.choices, allow_null=True)


class RedeemSerializer(serializers.Serializer):
    customer = IdField()
    parts_order = IdField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class _LedgerQuery(_Query):
    kind = serializers.ChoiceField(choices=LedgerEntry.Kind.choices, required=False)


class _BalanceQuery(serializers.Serializer):
    customer = IdField()


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("customer", int),
            OpenApiParameter("kind", str, enum=LedgerEntry.Kind.values),
        ]
    ),
)
class LedgerViewSet(JsonOnly, viewsets.ReadOnlyModelViewSet):
    """Parts credits: earned by rule, redeemed on parts orders, corrected by reversal.
    Rows are never changed or deleted."""

    permission_classes = [
        policy(
            read=roles.can_view_credits,
            write=roles.can_manage_gold_cards,
            actions={"redeem": roles.can_redeem_credits},
        )
    ]
    serializer_class = LedgerEntrySerializer
    queryset = LedgerEntry.objects.none()

    def get_queryset(self) -> Any:
        query = _LedgerQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.ledger_entries(user=self.request.user).select_related("reversed_by")
        data = query.validated_data
        if data.get("customer"):
            qs = qs.filter(customer_id=data["customer"])
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        return qs

    def get_object(self) -> LedgerEntry:
        entry = selectors.ledger_entry_get(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, entry)
        return entry

    @extend_schema(
        parameters=[OpenApiParameter("customer", int, required=True)],
        responses=BalanceSerializer,
    )
    @action(detail=False, methods=["get"])
    def balance(self, request: Request) -> Response:
        """A customer's credit balance and card."""
        query = _BalanceQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        customer = customer_selectors.customer_get(
            user=request.user, pk=query.validated_data["customer"]
        )
        card = selectors.live_card(customer)
        return Response(
            BalanceSerializer(
                {
                    "customer": customer.pk,
                    "balance": selectors.balance_of(customer.pk),
                    "card": card.number if card else None,
                    "card_state": card.state if card else None,
                }
            ).data
        )

    @extend_schema(request=RedeemSerializer, responses={201: LedgerEntrySerializer})
    @action(detail=False, methods=["post"])
    def redeem(self, request: Request) -> Response:
        """Spend credits on one of the customer's parts orders (never above the balance)."""
        serializer = RedeemSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        customer = customer_selectors.customer_get(user=request.user, pk=data["customer"])
        order = parts_selectors.parts_order_get(user=request.user, pk=data["parts_order"])
        entry = services.ledger_redeem(
            actor=request.user,
            customer=customer,
            parts_order=order,
            amount=data["amount"],
            note=data.get("note", ""),
        )
        return Response(LedgerEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReverseSerializer, responses={201: LedgerEntrySerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: str | None = None) -> Response:
        """Correct a mistake: a new row cancelling this one, with the reason."""
        entry = self.get_object()
        serializer = ReverseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reversal = services.ledger_reverse(
            actor=request.user, entry=entry, reason=serializer.validated_data["reason"]
        )
        return Response(LedgerEntrySerializer(reversal).data, status=status.HTTP_201_CREATED)
