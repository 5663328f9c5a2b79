"""Gold cards (`gold-cards`): registering a gold customer issues one; suspend, reactivate,
revoke."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customers import selectors as customer_selectors
from dealercrm import roles
from dealercrm.api_permissions import policy
from dealercrm.api_support import IdField
from dealercrm.templatetags.dealercrm import person

from .. import selectors, services
from ..models import GoldCard, GoldCardEvent, Trait
from .common import JsonOnly, _Query


class GoldCardEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = GoldCardEvent
        fields = ["kind", "on", "reason", "actor", "created_at"]
        read_only_fields = fields


class GoldCardSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    manager = serializers.IntegerField(source="customer.manager_id", read_only=True)
    manager_name = serializers.SerializerMethodField()
    traits = serializers.DictField(child=serializers.CharField(), read_only=True)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = GoldCard
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "manager",
            "manager_name",
            "state",
            "issued_on",
            "revoked_on",
            "traits",
            "note",
            "balance",
            "created_at",
        ]
        read_only_fields = fields

    def get_manager_name(self, obj: GoldCard) -> str:
        return person(obj.customer.manager) if obj.customer.manager_id else ""


class GoldCardDetailSerializer(GoldCardSerializer):
    events = GoldCardEventSerializer(many=True, read_only=True)

    class Meta(GoldCardSerializer.Meta):
        fields = [*GoldCardSerializer.Meta.fields, "events"]
        read_only_fields = fields


class RegistrationSerializer(serializers.Serializer):
    customer = IdField()
    manager = IdField(help_text="The responsible sales manager.")
    traits = serializers.DictField(
        child=serializers.CharField(max_length=500, allow_blank=True),
        help_text=f"Evidence per trait; traits: {', '.join(Trait.values)}.",
    )
    number = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="Empty: the next number."
    )
    issued_on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class CardChangeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    on = serializers.DateField(required=False, allow_null=True)


class _CardQuery(_Query):
    state = serializers.ChoiceField(choices=GoldCard.State.choices, required=False)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=GoldCard.State.values),
            OpenApiParameter("customer", int),
        ]
    ),
    retrieve=extend_schema(responses=GoldCardDetailSerializer),
    create=extend_schema(request=RegistrationSerializer, responses={201: GoldCardDetailSerializer}),
)
class GoldCardViewSet(
    JsonOnly,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """VIP cards: registering a gold customer issues one; suspend, reactivate, revoke."""

    permission_classes = [
        policy(read=roles.can_view_gold_programme, write=roles.can_manage_gold_cards)
    ]
    serializer_class = GoldCardSerializer
    queryset = GoldCard.objects.none()

    def get_queryset(self) -> Any:
        query = _CardQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.card_list(
            user=self.request.user, state=query.validated_data.get("state", "")
        )
        if query.validated_data.get("customer"):
            qs = qs.filter(customer_id=query.validated_data["customer"])
        return qs

    def get_object(self) -> GoldCard:
        card = selectors.card_get(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, card)
        return card

    def _detail(self, card: GoldCard, code: int = status.HTTP_200_OK) -> Response:
        card = selectors.card_get(user=self.request.user, pk=card.pk)
        return Response(GoldCardDetailSerializer(card).data, status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = RegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        customer = customer_selectors.customer_get(user=request.user, pk=data.pop("customer"))
        manager = get_user_model().objects.filter(pk=data.pop("manager"), is_active=True).first()
        if manager is None:
            raise serializers.ValidationError({"manager": ["No such user."]})
        card = services.gold_card_register(
            actor=request.user, customer=customer, manager=manager, **data
        )
        return self._detail(card, status.HTTP_201_CREATED)

    def _change(self, request: Request, name: str) -> Response:
        card = self.get_object()
        serializer = CardChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.CARD_ACTIONS[name](
            actor=request.user,
            card=card,
            reason=serializer.validated_data["reason"],
            on=serializer.validated_data.get("on"),
        )
        return self._detail(card)

    @extend_schema(request=CardChangeSerializer, responses=GoldCardDetailSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str | None = None) -> Response:
        """No discount and no new credits while suspended."""
        return self._change(request, "suspend")

    @extend_schema(request=CardChangeSerializer, responses=GoldCardDetailSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, pk: str | None = None) -> Response:
        """Counts against the manager's cap of gold customers again."""
        return self._change(request, "reactivate")

    @extend_schema(request=CardChangeSerializer, responses=GoldCardDetailSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        """For good: the card stays as history."""
        return self._change(request, "revoke")
