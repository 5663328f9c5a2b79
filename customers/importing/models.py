"""What an import leaves behind: the batch (who, when, which file, counts), one row per line
of the file (parsed values, errors, verdict, decision, outcome) and saved column mappings.

Imported by customers.models, so the tables belong to the customers app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dealercrm.models import TimeStampedModel


class ImportMapping(TimeStampedModel):
    """A named column mapping the archivist saved: normalised header -> field."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    columns = models.JSONField(_("columns"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")

    def __str__(self) -> str:
        return self.name


class ImportBatch(TimeStampedModel):
    """One uploaded file on its way into the archive."""

    class Status(models.TextChoices):
        MAPPING = "mapping", _("Columns to map")
        CHECKING = "checking", _("Dry run running")
        CHECKED = "checked", _("Checked, waiting for decisions")
        COMMITTING = "committing", _("Importing")
        COMMITTED = "committed", _("Imported")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="import_batches",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file_size = models.PositiveIntegerField(_("file size (bytes)"), default=0)
    # The uploaded bytes, kept until the commit (a worker reads them; the rows are then
    # stored in ImportRow and the file itself is not needed any more).
    source = models.BinaryField(_("file"), blank=True, default=b"", editable=False)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    headers = models.JSONField(_("headers"), default=list)
    mapping = models.JSONField(_("column mapping"), default=dict)
    mapping_name = models.CharField(_("mapping used"), max_length=80, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status, default=Status.MAPPING, db_index=True
    )
    phase = models.CharField(_("phase"), max_length=20, blank=True)
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_invalid = models.PositiveIntegerField(_("rows with errors"), default=0)
    rows_new = models.PositiveIntegerField(_("new"), default=0)
    rows_existing = models.PositiveIntegerField(_("probably existing"), default=0)
    rows_duplicate = models.PositiveIntegerField(_("duplicates within the file"), default=0)
    created_count = models.PositiveIntegerField(_("customers created"), default=0)
    attached_count = models.PositiveIntegerField(_("rows attached"), default=0)
    skipped_count = models.PositiveIntegerField(_("rows skipped"), default=0)
    error = models.TextField(_("error"), blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("committed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            # import_check(): "this file was already imported" looks the hash up.
            models.Index(fields=["sha256", "status"], name="import_batch_sha_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"

    def get_absolute_url(self) -> str:
        return reverse("customers:import_detail", args=[self.pk])

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.CHECKING, self.Status.COMMITTING}


class ImportRow(models.Model):
    """One line of the file: what it said, what is wrong with it, who it probably is, what
    the archivist decided, and which customer it became or joined."""

    class Verdict(models.TextChoices):
        NEW = "new", _("New")
        EXISTING = "existing", _("Probably existing customer")
        DUPLICATE = "duplicate", _("Duplicate of another row")
        INVALID = "invalid", _("Has errors")

    class Decision(models.TextChoices):
        CREATE = "create", _("Create")
        ATTACH = "attach", _("Attach to the existing customer")
        SKIP = "skip", _("Skip")

    class Outcome(models.TextChoices):
        PENDING = "", _("Not imported yet")
        CREATED = "created", _("Created")
        ATTACHED = "attached", _("Attached")
        UNCHANGED = "unchanged", _("Already in the archive")
        SKIPPED = "skipped", _("Skipped")

    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("import"), on_delete=models.CASCADE, related_name="rows"
    )
    number = models.PositiveIntegerField(_("row"))  # as the spreadsheet numbers it
    data = models.JSONField(_("values"), default=dict)
    errors = models.JSONField(_("errors"), default=list)
    verdict = models.CharField(_("verdict"), max_length=12, choices=Verdict)
    match_customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("probably"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    match_row = models.PositiveIntegerField(_("duplicate of row"), null=True, blank=True)
    match_score = models.FloatField(_("score"), null=True, blank=True)
    reasons = models.JSONField(_("reasons"), default=list)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome, blank=True, default=Outcome.PENDING
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_rows",
    )

    class Meta:
        ordering = ["batch", "number"]
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "number"], name="customers_importrow_number_unique"
            ),
            models.CheckConstraint(
                condition=~Q(verdict="invalid") | Q(decision="skip"),
                name="customers_importrow_invalid_skipped",
            ),
        ]
        indexes = [
            # batch_rows(): the dry-run table filtered by verdict, in file order.
            models.Index(fields=["batch", "verdict", "number"], name="import_row_verdict_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.number}"
