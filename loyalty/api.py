"""REST API of the gold-card programme: gold-cards, referrals, the benefit ledger (with the
balance) and gold-candidates. The same selectors, services and policy as the browser: the
archivist writes, a manager reads his own gold customers, executives read everything."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response

from customers import selectors as customer_selectors
from dealercrm import roles
from dealercrm.api_permissions import policy
from dealercrm.api_support import IdField, QueryBooleanField, ScopedObjectMixin
from dealercrm.parsers import JSONParser
from dealercrm.templatetags.dealercrm import person
from parts import selectors as parts_selectors

from . import selectors, services
from .forms import DashboardFilterForm
from .models import GoldCard, GoldCardEvent, LedgerEntry, Referral, TierSnapshot, Trait
from .selectors import dashboard
from .selectors.tiers import latest_month


class JsonOnly:
    """Writes take JSON only: registrations nest the traits as an object, which form
    encodings cannot carry (the schema then documents application/json alone)."""

    parser_classes: Sequence[type[BaseParser]] = [JSONParser]  # the project's: bounded depth


class _Query(serializers.Serializer):
    customer = IdField(required=False)


# --- gold cards --------------------------------------------------------------------------------


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


# --- referrals ---------------------------------------------------------------------------------


class ReferralSerializer(serializers.ModelSerializer):
    referrer_name = serializers.CharField(source="referrer.name", read_only=True)
    referred_name = serializers.CharField(source="referred.name", read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "referrer",
            "referrer_name",
            "referred",
            "referred_name",
            "referred_on",
            "note",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class ReferralInputSerializer(serializers.Serializer):
    referrer = IdField()
    referred = IdField()
    referred_on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("customer", int)]),
    create=extend_schema(request=ReferralInputSerializer, responses={201: ReferralSerializer}),
)
class ReferralViewSet(
    JsonOnly,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Who brought whom; the referred customer's purchases then earn the referrer credits."""

    permission_classes = [
        policy(read=roles.can_view_gold_programme, write=roles.can_manage_gold_cards)
    ]
    serializer_class = ReferralSerializer
    queryset = Referral.objects.none()

    def get_queryset(self) -> Any:
        query = _Query(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.referral_list(
            user=self.request.user, customer=query.validated_data.get("customer")
        )

    def get_object(self) -> Referral:
        referral = selectors.referral_get(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, referral)
        return referral

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ReferralInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        referral = services.referral_create(
            actor=request.user,
            referrer=customer_selectors.customer_get(user=request.user, pk=data.pop("referrer")),
            referred=customer_selectors.customer_get(user=request.user, pk=data.pop("referred")),
            **data,
        )
        return Response(ReferralSerializer(referral).data, status=status.HTTP_201_CREATED)


# --- the benefit ledger ------------------------------------------------------------------------


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


# --- candidates --------------------------------------------------------------------------------


class TraitSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=Trait.choices)
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    met = serializers.BooleanField()
    computed = serializers.BooleanField(help_text="Shown by the data (else ticked by hand).")
    evidence = serializers.CharField()
    note = serializers.CharField(help_text="The archivist's note when he ticked it.")


class CandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    manager = serializers.IntegerField(source="manager_id", allow_null=True)
    trait_count = serializers.IntegerField()
    traits = TraitSerializer(many=True)
    card_state = serializers.ChoiceField(
        choices=GoldCard.State.choices,
        allow_null=True,
        help_text="Set when the customer already holds a live card (include_holders=true).",
    )


class _CandidateQuery(serializers.Serializer):
    search = serializers.CharField(required=False, allow_blank=True, max_length=100)
    include_holders = QueryBooleanField(required=False, default=False)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Name, pinyin or phone"),
            OpenApiParameter("include_holders", bool),
        ]
    )
)
class CandidateViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Customers showing at least GOLD_CANDIDATE_MIN_TRAITS of the seven traits, with the
    evidence of each; key accounts are never candidates (archivist and executives)."""

    permission_classes = [
        policy(read=roles.can_view_gold_candidates, write=roles.can_manage_gold_cards)
    ]
    serializer_class = CandidateSerializer

    def get_queryset(self) -> Any:
        query = _CandidateQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.candidate_list(
            user=self.request.user,
            search=query.validated_data.get("search", ""),
            include_holders=query.validated_data["include_holders"],
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = selectors.attach_traits(list(page or []))
        return self.get_paginated_response(CandidateSerializer(rows, many=True).data)


# --- 80/20 tiers --------------------------------------------------------------------------


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
    month = serializers.DateField(input_formats=["%Y-%m"], required=False)
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
        from .selectors import tiers as tier_selectors

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


# --- dashboards (issue 7) ----------------------------------------------------------------------


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
        filters = self._filters(request, dashboard.this_month())
        data = dashboard.gold_dashboard(user=request.user, filters=filters)
        return Response(GoldDashboardSerializer(data).data)

    @extend_schema(parameters=_PARETO_PARAMETERS, responses=ParetoDashboardSerializer)
    @action(detail=False, methods=["get"])
    def pareto(self, request: Request) -> Response:
        """The 80/20 view: the Pareto curve, tier counts and shares, the tier movement
        matrix between two months and the EI–EIV grid."""
        filters = self._filters(request, latest_month() or dashboard.this_month())
        data = dashboard.pareto_dashboard(user=request.user, filters=filters)
        return Response(ParetoDashboardSerializer(data).data)
