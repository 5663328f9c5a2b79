"""The archivist's review queue and merge records (issue 10), plus what the matcher keeps
between runs. Imported by customers.models, so `from customers.models import
DuplicateCandidate` works and the tables belong to the customers app.

Models here set `merge_moves = False`: a merge re-points every row that refers to the
merged customer (found from the model metadata) except these, which the merge and the next
matcher run handle themselves.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from dealercrm.models import TimeStampedModel

from .reasons import KIND_DUPLICATE, KIND_RELATIVES, reason_text

CUSTOMER = "customers.Customer"


class MatchState(models.Model):
    """What the matcher last saw of one customer: a fingerprint of the fields it compares
    and the features it prepared, so an incremental run redoes only what changed."""

    merge_moves = False

    customer = models.OneToOneField(
        CUSTOMER,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="match_state",
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    features = models.JSONField(_("features"), default=dict)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("match state")
        verbose_name_plural = _("match states")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.fingerprint[:8]}"


class MatchKey(models.Model):
    """One blocking key of a customer: customers sharing a key are compared."""

    merge_moves = False

    customer = models.ForeignKey(
        CUSTOMER, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="match_keys"
    )
    key = models.CharField(_("key"), max_length=200)

    class Meta:
        verbose_name = _("match key")
        verbose_name_plural = _("match keys")
        constraints = [
            models.UniqueConstraint(fields=["customer", "key"], name="customers_matchkey_unique"),
        ]
        indexes = [
            # duplicates_refresh(): who else shares a changed customer's keys.
            models.Index(fields=["key"], name="matchkey_key_idx"),
        ]

    def __str__(self) -> str:
        return self.key


class MatchRun(models.Model):
    """One run of find_duplicates on the database: the next run re-blocks what changed
    since this one started."""

    merge_moves = False

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    full = models.BooleanField(_("full run"), default=False)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    changed = models.PositiveIntegerField(_("changed customers"), default=0)
    pairs_compared = models.PositiveIntegerField(_("pairs compared"), default=0)
    proposed = models.PositiveIntegerField(_("pairs proposed"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("duplicate search run")
        verbose_name_plural = _("duplicate search runs")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"


class FanoutRun(models.Model):
    """A refresh fanned out over Celery workers (MATCHING_FANOUT_PARTITIONS > 1): what the
    coordinator prepared, kept until the last partition's merge writes the queue."""

    merge_moves = False

    class State(models.TextChoices):
        SCORING = "scoring", _("Scoring")
        MERGING = "merging", _("Merging")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    started_at = models.DateTimeField(_("started at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    full = models.BooleanField(_("full run"), default=False)
    partitions = models.PositiveIntegerField(_("partitions"))
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.SCORING)
    # The archivist's button shows this run's progress (refresh_jobs); the nightly run not.
    report_progress = models.BooleanField(default=False)
    # The changed customers (id, fingerprint, features), every other fingerprint the queue
    # needs, and the counts of the run (RefreshResult): JSON, as the engine's features are.
    plan = models.JSONField(default=dict)
    match_run = models.ForeignKey(
        MatchRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("fanned-out duplicate search")
        verbose_name_plural = _("fanned-out duplicate searches")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.partitions})"


class FanoutPartition(models.Model):
    """One worker's share of a fanned-out refresh: its candidate pairs and the features of
    the customers they name (payload), then the pairs worth showing (result). A retried
    partition overwrites its result, so it never counts twice."""

    merge_moves = False

    run = models.ForeignKey(FanoutRun, on_delete=models.CASCADE, related_name="partition_rows")
    index = models.PositiveIntegerField()
    payload = models.JSONField(default=dict)
    result = models.JSONField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("duplicate search partition")
        verbose_name_plural = _("duplicate search partitions")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "index"], name="customers_fanoutpartition_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.index}"


class DuplicateCandidate(TimeStampedModel):
    """A pair in front of the archivist: two customers, a score and the reasons."""

    merge_moves = False

    class Kind(models.TextChoices):
        DUPLICATE = KIND_DUPLICATE, _("Possible duplicate")
        RELATIVES = KIND_RELATIVES, _("Possible relatives")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("duplicate candidate status: awaiting review", "Open")
        DISMISSED = "dismissed", _("Not a duplicate")
        MERGED = "merged", _("Merged")
        RELATED = "related", _("Linked as relatives")

    # The pair is stored once, lower primary key first.
    low = models.ForeignKey(
        CUSTOMER, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    high = models.ForeignKey(
        CUSTOMER, verbose_name=_("other customer"), on_delete=models.CASCADE, related_name="+"
    )
    score = models.FloatField(_("score"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.DUPLICATE)
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.OPEN)
    # Both customers' matcher fingerprints when the pair was scored: a dismissed pair comes
    # back only when one of them changes.
    fingerprint = models.CharField(_("data fingerprint"), max_length=64)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = _("duplicate candidate")
        verbose_name_plural = _("duplicate candidates")
        constraints = [
            models.UniqueConstraint(fields=["low", "high"], name="customers_duplicate_pair"),
            models.CheckConstraint(
                condition=Q(low__lt=F("high")), name="customers_duplicate_low_high"
            ),
        ]
        indexes = [
            # candidate_list(): the open queue, best first.
            models.Index(fields=["status", "-score"], name="duplicate_queue_idx"),
            # duplicates_refresh() and the pair lookups by either customer.
            models.Index(fields=["high"], name="duplicate_high_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.low_id} ~ {self.high_id} ({self.score:.2f})"

    def get_absolute_url(self) -> str:
        return reverse("customers:duplicate_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def reason_texts(self) -> list[str]:
        return [reason_text(r) for r in self.reasons]

    def other(self, customer_id: int) -> int:
        return self.high_id if customer_id == self.low_id else self.low_id


class CustomerRelation(TimeStampedModel):
    """Two customers the archivist linked as relatives (brothers of one village, father and
    son): not duplicates, and never proposed as such again."""

    customer = models.ForeignKey(
        CUSTOMER, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="relations"
    )
    related = models.ForeignKey(
        CUSTOMER,
        verbose_name=_("related customer"),
        on_delete=models.CASCADE,
        related_name="related_from",
    )
    note = models.CharField(_("relationship"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["id"]
        verbose_name = _("related customer")
        verbose_name_plural = _("related customers")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "related"], name="customers_relation_unique"
            ),
            models.CheckConstraint(
                condition=~Q(customer=F("related")), name="customers_relation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} ↔ {self.related_id}"


class MergeRecord(models.Model):
    """One merge: who, when, the merged customer as it was, and exactly which rows moved,
    so that undoing it moves back those rows and nothing else."""

    merge_moves = False

    class Status(models.TextChoices):
        DONE = "done", _("Merged")
        UNDONE = "undone", _("Undone")

    survivor = models.ForeignKey(
        CUSTOMER, verbose_name=_("kept customer"), on_delete=models.PROTECT, related_name="+"
    )
    loser = models.ForeignKey(
        CUSTOMER, verbose_name=_("merged customer"), on_delete=models.PROTECT, related_name="+"
    )
    candidate = models.ForeignKey(
        DuplicateCandidate,
        verbose_name=_("from candidate pair"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merges",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DONE)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    merged_at = models.DateTimeField(_("merged at"))
    # Every concrete field of the merged customer before the merge.
    loser_snapshot = models.JSONField(_("merged customer before"), default=dict)
    # The kept customer's fields the merge changed: {field: [before, after]}.
    survivor_changes = models.JSONField(_("kept customer's changed fields"), default=dict)
    # [{"model": "app.Model", "field": "customer", "pks": [...]}]: re-pointed rows.
    moved = models.JSONField(_("moved rows"), default=list)
    # [{"model", "field", "pk", "reason"}]: rows left on the merged customer, and why.
    kept = models.JSONField(_("rows left behind"), default=list)
    # [{"model": "app.HistoricalModel", "pks": [...]}]: history rows the merge wrote.
    history_written = models.JSONField(_("history written"), default=list)
    # [{"field": "keep_card", "value": 12, "effect": "…", "done": {…}}]: the archivist's
    # answers to the apps' questions, what each app did (customers.signals), for the undo.
    answers = models.JSONField(_("answers"), default=list, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    # What undoing could not restore (a moved row deleted since, a field changed since).
    undo_notes = models.JSONField(_("undo notes"), default=list, blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        constraints = [
            models.CheckConstraint(
                condition=~Q(survivor=F("loser")), name="customers_merge_two_customers"
            ),
            models.CheckConstraint(
                condition=Q(status="done", undone_at__isnull=True)
                | Q(status="undone", undone_at__isnull=False),
                name="customers_merge_undone_has_time",
            ),
        ]
        indexes = [
            # merge_list() and the undo check: the merges of one customer, newest first.
            models.Index(fields=["survivor", "-merged_at"], name="merge_survivor_idx"),
            models.Index(fields=["loser", "-merged_at"], name="merge_loser_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.loser_id} → {self.survivor_id}"

    def get_absolute_url(self) -> str:
        return reverse("customers:merge_detail", args=[self.pk])

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    @property
    def moved_count(self) -> int:
        return sum(len(entry.get("pks", [])) for entry in self.moved)

    def moved_by_model(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for entry in self.moved:
            counts[entry["model"]] = counts.get(entry["model"], 0) + len(entry["pks"])
        return sorted(counts.items())

    def loser_value(self, name: str) -> Any:
        return self.loser_snapshot.get(name)
