"""REST API of the service desk: service-records and hour-readings, through the same
selectors, services and policy as the browser. Charges are left out for service staff."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from customers import selectors as customer_selectors
from customers.models import Customer, Machine
from dealercrm import roles
from dealercrm.api_permissions import policy
from dealercrm.api_support import QueryBooleanField
from dealercrm.templatetags.dealercrm import person
from dealercrm.validators import MAX_ID

from . import selectors, services
from .fields import MONEY_OUTPUT
from .models import HourReading, ServiceRecord


def _text() -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, max_length=10000)


class ServiceRecordSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    machine_label = serializers.SerializerMethodField()
    technician_name = serializers.SerializerMethodField()

    class Meta:
        model = ServiceRecord
        fields = [
            "id",
            "customer",
            "customer_name",
            "machine",
            "machine_label",
            "kind",
            "status",
            "subject",
            "opened_on",
            "closed_on",
            "technician",
            "technician_name",
            "hour_meter",
            "fault_description",
            "work_done",
            "parts_used",
            "resolution",
            "satisfaction",
            "follow_up_on",
            "follows",
            *MONEY_OUTPUT,
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_machine_label(self, obj: ServiceRecord) -> str:
        return str(obj.machine) if obj.machine_id else ""

    def get_technician_name(self, obj: ServiceRecord) -> str:
        return person(obj.technician) if obj.technician_id else ""

    def to_representation(self, instance: ServiceRecord) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not roles.can_view_service_charges(self.context["request"].user):
            for name in MONEY_OUTPUT:
                data.pop(name, None)
        return data


class ServiceRecordUpdateSerializer(serializers.Serializer):
    """The writable shape; charges are refused by the service for anyone but the archivist."""

    kind = serializers.ChoiceField(choices=ServiceRecord.Kind.choices)
    status = serializers.ChoiceField(choices=ServiceRecord.Status.choices, required=False)
    subject = serializers.CharField(max_length=200)
    opened_on = serializers.DateField(required=False)
    closed_on = serializers.DateField(required=False, allow_null=True)
    machine = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True
    )
    technician = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True
    )
    hour_meter = serializers.DecimalField(
        max_digits=8, decimal_places=1, required=False, allow_null=True
    )
    fault_description = _text()
    work_done = _text()
    parts_used = _text()
    resolution = _text()
    satisfaction = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True
    )
    follow_up_on = serializers.DateField(required=False, allow_null=True)
    follows = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True
    )
    labour_charge = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, help_text="Archivist only."
    )
    parts_charge = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, help_text="Archivist only."
    )
    cost_total = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="What the job cost us. Archivist only.",
    )


class ServiceRecordInputSerializer(ServiceRecordUpdateSerializer):
    customer = serializers.IntegerField(min_value=1, max_value=MAX_ID)


def _resolve(user: roles.Actor, customer: Customer, data: dict[str, Any]) -> dict[str, Any]:
    """Ids to objects: the customer's own machine and records, an active technician."""
    errors: dict[str, list[str]] = {}
    if data.get("machine"):
        machine = Machine.objects.filter(pk=data["machine"], customer=customer).first()
        if machine is None:
            errors["machine"] = ["This customer has no such machine."]
        data["machine"] = machine
    if data.get("technician"):
        tech = get_user_model().objects.filter(pk=data["technician"], is_active=True).first()
        if tech is None:
            errors["technician"] = ["No such user."]
        data["technician"] = tech
    if data.get("follows"):
        follows = (
            selectors.service_records(user=user)
            .filter(pk=data["follows"], customer=customer)
            .first()
        )
        if follows is None:
            errors["follows"] = ["This customer has no such service record."]
        data["follows"] = follows
    if errors:
        raise serializers.ValidationError(errors)
    return data


class _RecordQuery(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ServiceRecord.Kind.choices, required=False)
    status = serializers.ChoiceField(choices=ServiceRecord.Status.choices, required=False)
    technician = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    customer = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    machine = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    overdue_follow_ups = QueryBooleanField(required=False, default=False)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=ServiceRecord.Kind.values),
            OpenApiParameter("status", str, enum=ServiceRecord.Status.values),
            OpenApiParameter("technician", int, description="Technician user id"),
            OpenApiParameter("customer", int),
            OpenApiParameter("machine", int),
            OpenApiParameter(
                "overdue_follow_ups", bool, description="Follow-up due before today, none done"
            ),
        ]
    ),
    create=extend_schema(
        request=ServiceRecordInputSerializer, responses={201: ServiceRecordSerializer}
    ),
    update=extend_schema(request=ServiceRecordUpdateSerializer, responses=ServiceRecordSerializer),
    partial_update=extend_schema(
        request=ServiceRecordUpdateSerializer, responses=ServiceRecordSerializer
    ),
)
class ServiceRecordViewSet(viewsets.ModelViewSet):
    """After-sales records of the customers the caller may see. Service staff and the
    archivist write them; only the archivist writes the charges, service staff never see
    them. Another manager's record answers 404."""

    permission_classes = [
        policy(
            read=roles.can_view_service_records,
            write=roles.can_write_service_record,
            actions={"destroy": roles.can_delete_service_record},
        )
    ]
    serializer_class = ServiceRecordSerializer
    queryset = ServiceRecord.objects.none()

    def get_queryset(self) -> Any:
        query = _RecordQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return selectors.service_record_list(
            user=self.request.user,
            filters=selectors.RecordFilters(
                kind=data.get("kind", ""),
                status=data.get("status", ""),
                technician=data.get("technician"),
                customer=data.get("customer"),
                machine=data.get("machine"),
                overdue_follow_ups=data["overdue_follow_ups"],
            ),
        )

    def get_object(self) -> ServiceRecord:
        record = selectors.service_record_get(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, record)
        return record

    def _out(self, record: ServiceRecord, code: int = status.HTTP_200_OK) -> Response:
        record = selectors.service_record_get(user=self.request.user, pk=record.pk)
        return Response(
            ServiceRecordSerializer(record, context=self.get_serializer_context()).data,
            status=code,
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ServiceRecordInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        customer = customer_selectors.customer_get(user=request.user, pk=data.pop("customer"))
        record = services.service_record_create(
            actor=request.user, customer=customer, data=_resolve(request.user, customer, data)
        )
        return self._out(record, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        serializer = ServiceRecordUpdateSerializer(
            data=request.data, partial=kwargs.pop("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        data = _resolve(request.user, record.customer, dict(serializer.validated_data))
        record = services.service_record_update(actor=request.user, record=record, data=data)
        return self._out(record)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.service_record_delete(actor=request.user, record=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- hour readings -------------------------------------------------------------------------


class HourReadingSerializer(serializers.ModelSerializer):
    class Meta:
        model = HourReading
        fields = [
            "id",
            "machine",
            "read_on",
            "hours",
            "source",
            "service_record",
            "entered_by",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class HourReadingInputSerializer(serializers.Serializer):
    machine = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    read_on = serializers.DateField()
    hours = serializers.DecimalField(max_digits=8, decimal_places=1)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class _ReadingQuery(serializers.Serializer):
    machine = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("machine", int)]),
    create=extend_schema(
        request=HourReadingInputSerializer, responses={201: HourReadingSerializer}
    ),
)
class HourReadingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Hour-meter readings of machines the caller may see, newest first. A reading never
    goes below an earlier one (400 otherwise); a wrong one is deleted by the archivist."""

    permission_classes = [
        policy(
            read=roles.can_view_customers,
            write=roles.can_write_hour_reading,
            actions={"destroy": roles.can_delete_hour_reading},
        )
    ]
    serializer_class = HourReadingSerializer
    queryset = HourReading.objects.none()

    def get_queryset(self) -> Any:
        query = _ReadingQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.hour_readings(user=self.request.user)
        if query.validated_data.get("machine"):
            qs = qs.filter(machine_id=query.validated_data["machine"])
        return qs.order_by("-read_on", "-hours", "-id")

    def get_object(self) -> HourReading:
        reading = selectors.hour_reading_get(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, reading)
        return reading

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = HourReadingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        machine = selectors.machine_get(user=request.user, pk=data["machine"])
        reading = services.hour_reading_add(
            actor=request.user,
            machine=machine,
            read_on=data["read_on"],
            hours=data["hours"],
            note=data.get("note", ""),
        )
        return Response(HourReadingSerializer(reading).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.hour_reading_delete(actor=request.user, reading=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
