"""REST API of the dossier: the same selectors, services and policy as the browser."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from dealercrm import roles
from dealercrm.api_permissions import policy
from dealercrm.api_support import CountCappedPagination
from dealercrm.pagination import SEARCH_COUNT_CAP
from dealercrm.templatetags.dealercrm import person

from . import selectors, services
from .fields import DOSSIER_FIELDS, EDITABLE_FIELDS
from .fields import PERSONAL_FIELDS as PERSONAL_SIDE
from .forms import CustomerFilterForm
from .models import Customer, Machine, Phone, Shareholder

# The personal side and the shareholders are shown only to those who may see them.
PERSONAL_FIELDS = (*PERSONAL_SIDE, "shareholders")
MONEY_FIELDS = ("registered_capital", "purchase_price", "purchase_cost")


class PhoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Phone
        fields = [
            "id",
            "raw",
            "e164",
            "national",
            "extension",
            "is_valid",
            "label",
            "is_active",
            "since",
            "obsolete_since",
            "note",
        ]
        read_only_fields = ["id", "e164", "national", "extension", "is_valid"]


class PhoneInputSerializer(serializers.Serializer):
    raw = serializers.CharField(max_length=60)
    # drf-stubs read a declared field as a class attribute, here clashing with Field.label;
    # DRF's SerializerMetaclass pops declared fields from the class, so there is no clash.
    label = serializers.ChoiceField(choices=Phone.Label.choices, required=False)  # type: ignore[assignment]
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ShareholderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shareholder
        fields = ["id", "name", "share_percent", "role", "phone", "joined_on", "left_on", "note"]


class MachineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Machine
        fields = [
            "id",
            "brand",
            "model_raw",
            "model_key",
            "model_family",
            "serial_number",
            "quantity",
            "purchase_date",
            "source",
            "purchase_price",
            "purchase_cost",
            "used_source",
            "status",
            "sold_to",
            "hour_meter",
            "hour_meter_date",
        ]

    def to_representation(self, instance: Machine) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not roles.can_view_money(self.context["request"].user):
            data.pop("purchase_price", None)
            data.pop("purchase_cost", None)
        return data


class CustomerOutputSerializer(serializers.ModelSerializer):
    """A customer as the reader may see it: personal side and amounts only for those allowed."""

    manager_name = serializers.SerializerMethodField()
    phones = PhoneSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = [*DOSSIER_FIELDS, "manager_name", "phones"]
        read_only_fields = fields

    def get_manager_name(self, obj: Customer) -> str:
        return person(obj.manager) if obj.manager else ""

    def to_representation(self, instance: Customer) -> dict[str, Any]:
        data = super().to_representation(instance)
        user = self.context["request"].user
        if not roles.can_view_personal(user):
            for name in PERSONAL_FIELDS:
                data.pop(name, None)
        if not roles.can_view_money(user):
            for name in MONEY_FIELDS:
                data.pop(name, None)
        return data


class CustomerDetailSerializer(CustomerOutputSerializer):
    shareholders = ShareholderSerializer(many=True, read_only=True)
    machines = MachineSerializer(many=True, read_only=True)

    class Meta(CustomerOutputSerializer.Meta):
        fields = [*CustomerOutputSerializer.Meta.fields, "shareholders", "machines"]
        read_only_fields = fields


class CustomerInputSerializer(serializers.ModelSerializer):
    """The writable shape of a customer; the rules live in customers.services."""

    manager = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), allow_null=True, required=False
    )
    phones = PhoneInputSerializer(
        many=True,
        required=False,
        write_only=True,
        help_text="Only when creating; an update that sends phones is refused (400).",
    )
    confirm_new = serializers.BooleanField(
        required=False,
        default=False,
        write_only=True,
        help_text=(
            "Only when creating. The archive is searched for the customer first: when "
            "possible duplicates or relatives are found, the answer is 409 with `candidates` "
            "and nothing is written, unless this is true and `confirm_reason` says why this "
            "is a new customer (kept in the dossier's history)."
        ),
    )
    confirm_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        write_only=True,
        max_length=services.CONFIRM_REASON_MAX,
        help_text="Why the customer is new although candidates were found (with confirm_new).",
    )

    class Meta:
        model = Customer
        fields = [*EDITABLE_FIELDS, "phones", "confirm_new", "confirm_reason"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Model-level rules run once, in the service (see customers.services._save).
        return attrs


class DoorCandidateSerializer(serializers.Serializer):
    """An existing customer the new one may be (or be related to), as the matcher sees it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    score = serializers.FloatField(help_text="0–1, the review queue's score")
    kind = serializers.ChoiceField(
        choices=["duplicate", "relatives"],
        help_text="duplicate: probably the same person; relatives: a possible relative",
    )
    reasons = serializers.ListField(child=serializers.CharField())


class PossibleDuplicatesSerializer(serializers.Serializer):
    """409 on create: the customer may already be in the archive; nothing was written."""

    detail = serializers.CharField()
    candidates = DoorCandidateSerializer(many=True)


def _filters(request: Request) -> selectors.CustomerFilters:
    params = request.query_params
    form = CustomerFilterForm(
        {
            "q": params.get("search", ""),
            "region": params.get("region", ""),
            "manager": params.get("manager", ""),
            "status": params.get("status", ""),
            "kind": params.get("kind", ""),
            "flag": params.getlist("flag"),
            "at_risk": params.get("at_risk", ""),
        }
    )
    if not form.is_valid():
        # the messages as strings, what DRF makes of an ErrorDict (and typed as it accepts)
        raise ValidationError(
            {field: [str(e) for e in errors] for field, errors in form.errors.items()}
        )
    data = form.cleaned_data
    return selectors.CustomerFilters(
        search=data["q"],
        region=data["region"],
        manager=data["manager"],
        status=data["status"],
        kind=data["kind"],
        flags=data["flag"],
        at_risk=data["at_risk"],
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "search",
                str,
                description=(
                    "Name (or any part of it), pinyin (full or initials) or phone (whole "
                    "number or any part, e.g. its last 4 digits). A search counts its matches "
                    f"up to {SEARCH_COUNT_CAP:,}: past that `count` is {SEARCH_COUNT_CAP} "
                    "and `count_capped` true, and `next` still leads through every page."
                ),
            ),
            OpenApiParameter("region", int, description="Sales region id"),
            OpenApiParameter("manager", int, description="Sales manager user id"),
            OpenApiParameter("status", str, enum=Customer.Status.values),
            OpenApiParameter("kind", str, enum=Customer.Kind.values),
            OpenApiParameter("flag", str, many=True, enum=["gold", "benchmark", "key_account"]),
        ],
        responses=CustomerOutputSerializer(many=True),
    ),
    retrieve=extend_schema(responses=CustomerDetailSerializer),
    create=extend_schema(
        request=CustomerInputSerializer,
        responses={201: CustomerDetailSerializer, 409: PossibleDuplicatesSerializer},
        description=(
            "Creates a customer after a look at the archive: a name, phone or ID number "
            "matching existing customers answers 409 with the candidates and their reasons, "
            "unless `confirm_new` is true and `confirm_reason` is given."
        ),
    ),
    update=extend_schema(request=CustomerInputSerializer, responses=CustomerDetailSerializer),
    partial_update=extend_schema(
        request=CustomerInputSerializer, responses=CustomerDetailSerializer
    ),
)
class CustomerViewSet(viewsets.ModelViewSet):
    permission_classes = [policy(read=roles.can_view_customers, write=roles.can_write_dossier)]
    serializer_class = CustomerOutputSerializer
    queryset = Customer.objects.none()  # the selectors scope every request
    pagination_class = CountCappedPagination

    def count_cap(self) -> int | None:
        """A search counts its matches up to SEARCH_COUNT_CAP (CountCappedPagination)."""
        return SEARCH_COUNT_CAP if selectors.is_search(_filters(self.request)) else None

    def get_queryset(self) -> Any:
        qs = selectors.customer_list(user=self.request.user, filters=_filters(self.request))
        if self.action == "retrieve":
            qs = qs.prefetch_related("phones", "shareholders", "machines")
        return qs

    def get_object(self) -> Customer:
        customer = selectors.customer_get(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, customer)
        return customer

    def _detail(self, customer: Customer, code: int = status.HTTP_200_OK) -> Response:
        customer = (
            Customer.objects.select_related("manager")
            .prefetch_related("phones", "shareholders", "machines")
            .get(pk=customer.pk)
        )
        return Response(
            CustomerDetailSerializer(customer, context=self.get_serializer_context()).data,
            status=code,
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = CustomerInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        phones = data.pop("phones", [])
        confirm_new = data.pop("confirm_new", False)
        confirm_reason = data.pop("confirm_reason", "")
        customer = services.customer_create(
            actor=request.user,
            data=data,
            phones=phones,
            confirm_new=confirm_new,
            confirm_reason=confirm_reason,
        )
        return self._detail(customer, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        customer = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = CustomerInputSerializer(customer, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("confirm_new", None)
        data.pop("confirm_reason", None)
        if "phones" in data:
            # Phones change through their own rows (each keeps its history), not by
            # replacement: refused rather than answered 200 and dropped.
            raise ValidationError(
                {"phones": [_("Phones are added and changed one by one on the dossier, not here.")]}
            )
        customer = services.customer_update(actor=request.user, customer=customer, data=data)
        return self._detail(customer)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.customer_delete(actor=request.user, customer=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
