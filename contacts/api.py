"""REST API of the manager's loop: contact-logs, submissions (+ file/reject), monthly-reports."""

from __future__ import annotations

import uuid
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customers import selectors as customer_selectors
from customers.api import PossibleDuplicatesSerializer
from customers.models import Customer
from dealercrm import roles
from dealercrm.api_permissions import policy
from dealercrm.api_support import (
    IdField,
    MonthQueryField,
    RFC3339DateTimeField,
    ScopedObjectMixin,
)
from dealercrm.templatetags.dealercrm import person

from . import selectors, services
from .fields import CUSTOMER_FIELDS_ON_FILE, ENTRY_FIELDS, NEW_CUSTOMER_FIELDS, REPORT_FIELDS
from .models import (
    Channel,
    ContactLog,
    Intent,
    MonthlyReport,
    MonthlyReportEntry,
    Reminder,
    Submission,
)


class IntentsSerializerField(serializers.MultipleChoiceField):
    """Intents as a JSON list of codes, stored packed in one column."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Intent.choices, **kwargs)

    # drf-stubs type MultipleChoiceField.to_representation as ChoiceField's (-> str); DRF
    # returns a list.
    def to_representation(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, str):
            return [v for v in value.split(",") if v]
        return sorted(value)

    def to_internal_value(self, data: Any) -> list[str]:  # type: ignore[override]
        return sorted(super().to_internal_value(data))


class ReportInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    occurred_at = RFC3339DateTimeField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    project_status = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    equipment_status = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    intents = IntentsSerializerField(required=False)
    summary = serializers.CharField(max_length=10000)
    next_step = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    follow_up_on = serializers.DateField(required=False, allow_null=True)


class ContactLogSerializer(serializers.ModelSerializer):
    intents = IntentsSerializerField(read_only=True)
    staff_name = serializers.SerializerMethodField()

    class Meta:
        model = ContactLog
        fields = [
            "id",
            "customer",
            "staff",
            "staff_name",
            "submission",
            *REPORT_FIELDS,
            "created_at",
        ]
        read_only_fields = fields

    def get_staff_name(self, obj: ContactLog) -> str:
        return person(obj.staff) if obj.staff_id else ""


class ContactLogInputSerializer(ReportInputSerializer):
    customer = IdField()
    staff = IdField(required=False, allow_null=True)


class ContactLogUpdateSerializer(ReportInputSerializer):
    staff = IdField(required=False, allow_null=True)


def _staff(user_id: int | None) -> Any:
    if not user_id:
        return None
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise serializers.ValidationError({"staff": ["No such user."]})
    return user


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("customer", int),
            OpenApiParameter("channel", str, enum=Channel.values),
            OpenApiParameter("intent", str, enum=Intent.values),
        ]
    ),
    create=extend_schema(request=ContactLogInputSerializer, responses={201: ContactLogSerializer}),
    update=extend_schema(request=ContactLogUpdateSerializer, responses=ContactLogSerializer),
    partial_update=extend_schema(
        request=ContactLogUpdateSerializer, responses=ContactLogSerializer
    ),
)
class ContactLogViewSet(viewsets.ModelViewSet):
    """Contact logs of the customers the caller may see; the archivist writes."""

    permission_classes = [
        policy(read=roles.can_view_contact_logs, write=roles.can_write_contact_log)
    ]
    serializer_class = ContactLogSerializer
    queryset = ContactLog.objects.none()

    def get_queryset(self) -> Any:
        qs = selectors.contact_log_list(user=self.request.user)
        params = self.request.query_params
        form = _LogQuery(data=params)
        if not form.is_valid():
            raise serializers.ValidationError(form.errors)
        data = form.validated_data
        if data.get("customer"):
            qs = qs.filter(customer_id=data["customer"])
        if data.get("channel"):
            qs = qs.filter(channel=data["channel"])
        if data.get("intent"):
            qs = qs.filter(intents__contains=f",{data['intent']},")
        return qs

    def get_object(self) -> ContactLog:
        log = selectors.contact_log_get(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, log)
        return log

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ContactLogInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        customer = customer_selectors.customer_get(user=request.user, pk=data.pop("customer"))
        staff = _staff(data.pop("staff", None))
        log = services.contact_log_create(
            actor=request.user, customer=customer, data=data, staff=staff
        )
        return Response(ContactLogSerializer(log).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        log = self.get_object()
        serializer = ContactLogUpdateSerializer(
            data=request.data, partial=kwargs.pop("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "staff" in data:
            data["staff"] = _staff(data["staff"])
        log = services.contact_log_update(actor=request.user, log=log, data=data)
        return Response(ContactLogSerializer(log).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.contact_log_delete(actor=request.user, log=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class _LogQuery(serializers.Serializer):
    customer = IdField(required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    intent = serializers.ChoiceField(choices=Intent.choices, required=False)


# --- submissions ---------------------------------------------------------------------


class SubmissionSerializer(serializers.ModelSerializer):
    intents = IntentsSerializerField(read_only=True)
    author_name = serializers.SerializerMethodField()
    contact_log = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "id",
            "author",
            "author_name",
            "submitted_at",
            "customer",
            *NEW_CUSTOMER_FIELDS,
            "corrects",
            *REPORT_FIELDS,
            "status",
            "handled_by",
            "handled_at",
            "reject_reason",
            "contact_log",
        ]
        read_only_fields = fields

    def get_author_name(self, obj: Submission) -> str:
        return person(obj.author)

    def get_contact_log(self, obj: Submission) -> int | None:
        log = getattr(obj, "contact_log", None)
        return log.pk if log else None


class SubmissionInputSerializer(ReportInputSerializer):
    customer = IdField(required=False, allow_null=True)
    new_customer_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    new_customer_phone = serializers.CharField(max_length=60, required=False, allow_blank=True)
    new_customer_place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    corrects = IdField(required=False, allow_null=True)


class FileInputSerializer(serializers.Serializer):
    log = ReportInputSerializer(required=False, partial=True)
    customer = serializers.DictField(required=False, help_text="Dossier fields to correct.")
    attach_to = serializers.IntegerField(
        required=False,
        help_text=(
            "A report about a new customer: file it on this existing customer instead (one of "
            "the `candidates` of a 409)."
        ),
    )
    confirm_new = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "A report about a new customer is checked against the archive first: possible "
            "duplicates answer 409 with `candidates`, unless this is true and "
            "`confirm_reason` says why the customer is new."
        ),
    )
    confirm_reason = serializers.CharField(required=False, allow_blank=True, default="")


class RejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


IDEMPOTENCY_HEADER = "Idempotency-Key"


def _idempotency_key(request: Request) -> uuid.UUID | None:
    raw = request.headers.get(IDEMPOTENCY_HEADER)
    if raw is None:  # no header: no key (a header sent empty is a bad key, not none)
        return None
    try:
        key = uuid.UUID(raw)
    except ValueError:
        key = None
    if key is None or str(key) != raw.lower():  # the canonical form the schema promises
        raise serializers.ValidationError(
            {IDEMPOTENCY_HEADER: [_("Send a UUID, e.g. one made when the report was typed.")]}
        )
    return key


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("status", str, enum=Submission.Status.values)]),
    create=extend_schema(
        request=SubmissionInputSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                uuid.UUID,
                location=OpenApiParameter.HEADER,
                required=False,
                description="A UUID the client makes when the report is typed. Sending the "
                "same key again (a report kept offline, a retry after a lost answer) creates "
                "nothing new and answers 200 with the submission the first send made.",
            )
        ],
        responses={
            201: SubmissionSerializer,
            200: OpenApiResponse(
                SubmissionSerializer, description="Already received under this Idempotency-Key."
            ),
        },
    ),
)
class SubmissionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Reports as submitted. They are never edited: a correction is a new submission."""

    permission_classes = [
        policy(
            read=roles.can_view_contact_logs,
            actions={
                "create": roles.can_submit_report,
                "file": roles.can_file_submissions,
                "reject": roles.can_file_submissions,
            },
        )
    ]
    serializer_class = SubmissionSerializer
    queryset = Submission.objects.none()

    def get_queryset(self) -> Any:
        status_filter = self.request.query_params.get("status", "")
        if status_filter and status_filter not in Submission.Status.values:
            raise serializers.ValidationError({"status": ["Unknown status."]})
        qs = selectors.submission_list(user=self.request.user, status=status_filter)
        if roles.can_file_submissions(self.request.user) and status_filter == "pending":
            return qs.order_by("submitted_at", "id")  # the inbox: oldest first
        return qs.order_by("-submitted_at", "-id")

    def get_object(self) -> Submission:
        submission = selectors.submission_get(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, submission)
        return submission

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = SubmissionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        customer: Customer | None = None
        if data.get("customer"):
            customer = customer_selectors.customer_get(user=request.user, pk=data["customer"])
        if data.get("corrects"):
            data["corrects"] = selectors.submission_get(user=request.user, pk=data["corrects"])
        key = _idempotency_key(request)
        if key is None:
            submission = services.submission_create(
                actor=request.user, customer=customer, data=data
            )
            created = True
        else:
            submission, created = services.submission_create_once(
                actor=request.user, idempotency_key=key, customer=customer, data=data
            )
        return Response(
            SubmissionSerializer(submission).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=FileInputSerializer,
        responses={201: ContactLogSerializer, 409: PossibleDuplicatesSerializer},
    )
    @action(detail=True, methods=["post"])
    def file(self, request: Request, pk: str | None = None) -> Response:
        """File the report on the dossier (optionally with edits to the log and the dossier)."""
        submission = self.get_object()
        serializer = FileInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer_data = serializer.validated_data.get("customer") or {}
        unknown = set(customer_data).difference(CUSTOMER_FIELDS_ON_FILE)
        if unknown:
            raise serializers.ValidationError(
                {"customer": [f"Fields that cannot be set here: {', '.join(sorted(unknown))}"]}
            )
        attach_to = None
        if serializer.validated_data.get("attach_to") is not None:
            attach_to = customer_selectors.customer_get(
                user=request.user, pk=serializer.validated_data["attach_to"]
            )
        log = services.submission_file(
            actor=request.user,
            submission=submission,
            log_data=serializer.validated_data.get("log") or {},
            customer_data=customer_data or None,
            attach_to=attach_to,
            confirm_new=serializer.validated_data["confirm_new"],
            confirm_reason=serializer.validated_data["confirm_reason"],
        )
        return Response(ContactLogSerializer(log).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RejectInputSerializer, responses=SubmissionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        submission = self.get_object()
        serializer = RejectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        submission = services.submission_reject(
            actor=request.user, submission=submission, reason=serializer.validated_data["reason"]
        )
        return Response(SubmissionSerializer(submission).data)


# --- monthly reports -----------------------------------------------------------------------


class MonthlyReportEntrySerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = MonthlyReportEntry
        fields = [
            "id",
            "customer",
            "customer_name",
            "contacted",
            *ENTRY_FIELDS,
        ]
        read_only_fields = ["id", "customer", "customer_name", "contacted"]


class MonthlyReportSerializer(serializers.ModelSerializer):
    entries = MonthlyReportEntrySerializer(many=True, read_only=True)
    month = serializers.DateField(read_only=True, help_text="The first day of the month.")

    class Meta:
        model = MonthlyReport
        fields = ["id", "manager", "month", "status", "submitted_at", "summary", "entries"]
        read_only_fields = fields


class MonthlyReportOpenSerializer(serializers.Serializer):
    month = serializers.DateField(input_formats=["%Y-%m", "%Y-%m-%d"])


class _MonthlyReportQuery(serializers.Serializer):
    month = MonthQueryField(error_messages={"invalid": "Use YYYY-MM."})


class EntryInputSerializer(serializers.Serializer):
    id = IdField()
    discussed = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    changes = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    next_month_plan = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    problems = serializers.CharField(required=False, allow_blank=True, max_length=10000)


class MonthlyReportInputSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    entries = EntryInputSerializer(many=True, required=False)
    submit = serializers.BooleanField(required=False, default=False)


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("month", str, description="YYYY-MM")]),
    create=extend_schema(
        request=MonthlyReportOpenSerializer, responses={201: MonthlyReportSerializer}
    ),
    partial_update=extend_schema(
        request=MonthlyReportInputSerializer, responses=MonthlyReportSerializer
    ),
)
class MonthlyReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Monthly gold-card contact reports: managers write their own, executives read all."""

    permission_classes = [
        policy(
            read=roles.can_view_contact_logs,
            actions={"create": roles.can_write_monthly_report},
            write_object=roles.can_write_monthly_report,
        )
    ]
    serializer_class = MonthlyReportSerializer
    queryset = MonthlyReport.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        query = _MonthlyReportQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        month = query.validated_data.get("month")
        return selectors.monthly_report_list(user=self.request.user, month=month).prefetch_related(
            "entries__customer"
        )

    def get_object(self) -> MonthlyReport:
        report = selectors.monthly_report_get(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, report)
        return report

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = MonthlyReportOpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.monthly_report_open(
            actor=request.user, month=serializer.validated_data["month"]
        )
        return Response(MonthlyReportSerializer(report).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        report = self.get_object()
        serializer = MonthlyReportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entries = {e.pop("id"): e for e in [dict(x) for x in data.get("entries", [])]}
        report = services.monthly_report_save(
            actor=request.user,
            report=report,
            summary=data.get("summary"),
            entries=entries,
            submit=data.get("submit", False),
        )
        return Response(
            MonthlyReportSerializer(get_object_or_404(MonthlyReport, pk=report.pk)).data
        )


# --- reminders -----------------------------------------------------------------------------


class ReminderSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    period = serializers.DateField(read_only=True)

    class Meta:
        model = Reminder
        fields = [
            "id",
            "kind",
            "customer",
            "customer_name",
            "manager",
            "period",
            "due_on",
            "status",
            "satisfied_at",
            "satisfied_by",
        ]
        read_only_fields = fields


class _ReminderQuery(serializers.Serializer):
    month = MonthQueryField()
    status = serializers.ChoiceField(choices=Reminder.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=Reminder.Kind.choices, required=False)
    manager = IdField(required=False)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM"),
            OpenApiParameter("status", str, enum=Reminder.Status.values),
            OpenApiParameter("kind", str, enum=Reminder.Kind.values),
            OpenApiParameter("manager", int),
        ]
    )
)
class ReminderViewSet(ScopedObjectMixin, viewsets.ReadOnlyModelViewSet):
    """Reminders opened by the scheduled jobs: a manager sees his own, executives all."""

    permission_classes = [policy(read=roles.can_view_reminders)]
    serializer_class = ReminderSerializer
    queryset = Reminder.objects.none()

    def get_queryset(self) -> Any:
        query = _ReminderQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        qs = selectors.reminder_list(
            user=self.request.user,
            month=data.get("month"),
            status=data.get("status", ""),
            kind=data.get("kind", ""),
        )
        if data.get("manager"):
            qs = qs.filter(manager_id=data["manager"])
        return qs
