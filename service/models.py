"""After-sales service (seed 000 item 3): service records, hour-meter readings per machine,
maintenance plans per model family, and the maintenance forecast derived from readings.

Rows change only through `service.services`, which ask `dealercrm.roles` first.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from customers.models import Customer, Machine
from dealercrm.models import TimeStampedModel
from dealercrm.money import percent
from dealercrm.validators import (
    MAX_CHARGE,
    hour_meter_bound,
    validate_event_date,
    validate_follow_up_date,
)


class ServiceRecord(TimeStampedModel):
    """One after-sales document: a handover inspection, a maintenance, a repair, a complaint
    or a follow-up visit. Charges are money (archivist only); the rest is the desk's."""

    class Kind(models.TextChoices):
        DELIVERY = "delivery", _("Delivery / handover inspection")  # 交机报告
        MAINTENANCE = "maintenance", _("Scheduled maintenance")
        REPAIR = "repair", _("Repair request")
        COMPLAINT = "complaint", _("Complaint")
        FOLLOW_UP = "follow_up", _("Follow-up visit")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("service record status: not yet handled", "Open")
        IN_PROGRESS = "in_progress", _("In progress")
        CLOSED = "closed", _("Closed")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,  # a service document keeps its customer's dossier alive
        related_name="service_records",
    )
    machine = models.ForeignKey(
        Machine,
        verbose_name=_("machine"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_records",
    )
    kind = models.CharField(_("type"), max_length=16, choices=Kind)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.OPEN)
    subject = models.CharField(_("subject"), max_length=200)
    opened_on = models.DateField(
        _("opened on"), default=timezone.localdate, validators=[validate_event_date]
    )
    closed_on = models.DateField(
        _("closed on"), null=True, blank=True, validators=[validate_event_date]
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_records",
    )
    hour_meter = models.DecimalField(
        _("hour meter at the visit (h)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), hour_meter_bound()],
        help_text=_("Recorded as a reading of the machine on the day the record was opened."),
    )
    fault_description = models.TextField(_("fault description"), blank=True)
    work_done = models.TextField(_("work done"), blank=True)
    parts_used = models.TextField(_("parts used"), blank=True)
    labour_charge = models.DecimalField(
        _("labour charge (CNY)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_CHARGE)],
    )
    parts_charge = models.DecimalField(
        _("parts charge (CNY)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_CHARGE)],
    )
    # Recorded when the record is opened (gold card: the configured rate), so a later
    # change of the setting or of the card never rewrites this document.
    discount_rate = models.DecimalField(
        _("discount rate"), max_digits=5, decimal_places=4, default=Decimal("0"), editable=False
    )
    discount_amount = models.DecimalField(
        _("discount (CNY)"), max_digits=12, decimal_places=2, default=Decimal("0"), editable=False
    )
    total_charge = models.DecimalField(
        _("total charge (CNY)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        editable=False,
    )
    cost_total = models.DecimalField(
        _("our cost (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_CHARGE)],
        help_text=_("What the job cost us (parts at cost, labour); empty when not known."),
    )
    resolution = models.TextField(_("resolution"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("customer satisfaction (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    follow_up_on = models.DateField(
        _("follow-up due on"), null=True, blank=True, validators=[validate_follow_up_date]
    )
    follows = models.ForeignKey(
        "self",
        verbose_name=_("follow-up of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="service_servicerecord_closed_after_opened",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_on__isnull=False),
                name="service_servicerecord_closed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="service_servicerecord_satisfaction_1_5",
            ),
            models.CheckConstraint(
                condition=Q(labour_charge__gte=0, parts_charge__gte=0, discount_amount__gte=0),
                name="service_servicerecord_charges_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(cost_total__isnull=True) | Q(cost_total__gte=0),
                name="service_servicerecord_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(discount_rate__gte=0, discount_rate__lt=1),
                name="service_servicerecord_discount_rate_0_1",
            ),
            models.CheckConstraint(
                condition=Q(hour_meter__isnull=True) | Q(hour_meter__gte=0),
                name="service_servicerecord_hour_meter_not_negative",
            ),
        ]
        indexes = [
            # dossier_service() and the money totals: a customer's records, newest first.
            models.Index(fields=["customer", "-opened_on"], name="servicerecord_customer_idx"),
            # service_record_list(): the desk's default view, open work by date.
            models.Index(fields=["status", "-opened_on"], name="servicerecord_status_idx"),
            # service_record_list(technician=…).
            models.Index(fields=["technician", "status"], name="servicerecord_tech_idx"),
            # service_record_list(overdue_follow_ups=True).
            models.Index(
                fields=["follow_up_on"],
                condition=Q(follow_up_on__isnull=False),
                name="servicerecord_followup_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.opened_on:%Y-%m-%d} · {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("service:record_detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def discount_percent(self) -> str:
        return percent(self.discount_rate)


class HourReading(TimeStampedModel):
    """One hour-meter reading of a machine. Readings never go down with time (checked by
    `service.services.hour_reading_add`); the machine's own hour_meter mirrors the latest."""

    class Source(models.TextChoices):
        VISIT = "visit", _("Service visit")
        DIRECT = "direct", _("Entered directly")
        MACHINE_RECORD = "machine_record", _("From the machine record")

    machine = models.ForeignKey(
        Machine, verbose_name=_("machine"), on_delete=models.CASCADE, related_name="hour_readings"
    )
    read_on = models.DateField(_("read on"))
    hours = models.DecimalField(
        _("hours (h)"),
        max_digits=8,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0")), hour_meter_bound()],
    )
    source = models.CharField(_("source"), max_length=16, choices=Source, default=Source.DIRECT)
    # The reading a service visit took: it changes with the record, never on its own.
    service_record = models.OneToOneField(
        ServiceRecord,
        verbose_name=_("service record"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="hour_reading",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["machine_id", "read_on", "hours", "id"]
        verbose_name = _("hour-meter reading")
        verbose_name_plural = _("hour-meter readings")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gte=0), name="service_hourreading_hours_not_negative"
            ),
        ]
        indexes = [
            # hour_reading_add() neighbours and forecast_refresh(): a machine's readings by date.
            models.Index(fields=["machine", "read_on", "hours"], name="hourreading_machine_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.hours} h · {self.read_on:%Y-%m-%d}"


class MaintenancePlan(TimeStampedModel):
    """Scheduled maintenance of a model family: the first service at N hours, then every
    interval (e.g. 50 h, then 250/500/750/1,000 h …). Families without a plan use the
    defaults in settings.DEALERCRM."""

    model_family = models.CharField(
        _("model family"),
        max_length=30,
        unique=True,
        help_text=_("As the fleet stores it, e.g. ZL50 for ZL50C-II or LG855 for LG855N."),
    )
    first_service_hours = models.PositiveIntegerField(
        _("first service at (h)"), validators=[MinValueValidator(1)]
    )
    interval_hours = models.PositiveIntegerField(
        _("then every (h)"), validators=[MinValueValidator(1)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["model_family"]
        verbose_name = _("maintenance plan")
        verbose_name_plural = _("maintenance plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_service_hours__gt=0, interval_hours__gt=0),
                name="service_maintenanceplan_hours_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_family}: {self.first_service_hours} h / {self.interval_hours} h"


class MaintenanceForecast(models.Model):
    """Derived state: each machine's usage rate and next maintenance, recomputed from its
    readings by `service.services` whenever they change (and nightly). Never edited.

    Stored rather than computed per request so the "due soon" list can be filtered, sorted
    and paginated in SQL over every machine, and the dossier reads it in one query.
    A machine without readings has no row: it has "not enough readings".
    """

    class State(models.TextChoices):
        NOT_ENOUGH_READINGS = "not_enough", _("Not enough readings")
        NO_USAGE = "no_usage", _("Not in use (hours do not grow)")
        PREDICTED = "predicted", _("Predicted")

    machine = models.OneToOneField(
        Machine,
        verbose_name=_("machine"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="maintenance_forecast",
    )
    state = models.CharField(_("state"), max_length=16, choices=State)
    reading_count = models.PositiveIntegerField(_("readings"))
    last_read_on = models.DateField(_("last reading on"))
    last_hours = models.DecimalField(_("last reading (h)"), max_digits=8, decimal_places=1)
    rate_per_day = models.DecimalField(
        _("usage (h/day)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    next_due_hours = models.DecimalField(
        _("next maintenance at (h)"), max_digits=8, decimal_places=1
    )
    next_due_on = models.DateField(_("next maintenance due on"), null=True, blank=True)
    plan_label = models.CharField(_("plan"), max_length=60, blank=True)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("maintenance forecast")
        verbose_name_plural = _("maintenance forecasts")
        indexes = [
            # maintenance_due(): machines by predicted date.
            models.Index(
                fields=["next_due_on"],
                condition=Q(next_due_on__isnull=False),
                name="forecast_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.machine_id}: {self.next_due_hours} h on {self.next_due_on or '?'}"

    @property
    def is_overdue(self) -> bool:
        """Past the predicted day without a newer reading: nobody has seen the machine since."""
        return self.next_due_on is not None and self.next_due_on < timezone.localdate()

    @property
    def is_predicted(self) -> bool:
        return self.state == self.State.PREDICTED
