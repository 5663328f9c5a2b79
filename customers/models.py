"""The customer dossier (seed 000): profile, phones, shareholders, fleet, operators, projects.

Every model keeps an audit history (django-simple-history); rows change only through
`customers.services`, which ask `dealercrm.roles` first.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from customers.matching.normalise import (
    clean_text,
    name_grams,
    name_keys,
    normalize_model,
    normalize_phone,
)
from dealercrm.models import TimeStampedModel
from dealercrm.validators import (
    MAX_MACHINE_PRICE,
    hour_meter_bound,
    validate_birth_date,
    validate_visible_name,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MIN_YEAR = 1900
MAX_YEAR = 2100
_ID_NUMBER_RE = re.compile(r"[0-9]{14}(?:[0-9]{3})?[0-9X]")


def validate_id_number(value: str) -> None:
    """15 or 18 characters, digits except a last X (lower case and spaces are folded)."""
    if value and not _ID_NUMBER_RE.fullmatch(clean_text(value).upper()):
        raise ValidationError(
            _("An ID number has 15 or 18 characters: digits, the last may be X."),
            code="id_number",
        )


def validate_phone(value: str) -> None:
    """What the customers API accepts as a phone: a number the normaliser can read."""
    if value and not normalize_phone(value).e164:
        raise ValidationError(
            _("“%(raw)s” is not a phone number.") % {"raw": value.strip()}, code="phone"
        )


class SalesRegion(TimeStampedModel):
    """A dealer's sales region (销售区域), owned by one or more managers."""

    name = models.CharField(
        _("name"), max_length=60, unique=True, validators=[validate_visible_name]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sales region")
        verbose_name_plural = _("sales regions")

    def __str__(self) -> str:
        return self.name


class LiveCustomerManager(models.Manager["Customer"]):
    """Customers that are not merged tombstones: what every query in every app means by
    "customers" (reminders, gold-card lists, reports). `Customer.all_objects` sees all."""

    def get_queryset(self) -> models.QuerySet[Customer]:
        return super().get_queryset().filter(merged_into__isnull=True)


class Customer(TimeStampedModel):
    class Kind(models.TextChoices):
        END_USER = "end_user", _("End user")
        SUB_DEALER = "sub_dealer", _("Sub-dealer")

    class Gender(models.TextChoices):
        UNKNOWN = "", _("Unknown")
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        ACTIVE = "active", _("Active")
        DORMANT = "dormant", _("Dormant")
        LOST = "lost", _("Lost")

    class Industry(models.TextChoices):
        # 作业对象 (DOMAIN.md): the line of work the machines are used in.
        UNKNOWN = "", _("Not recorded")
        EARTHMOVING = "earthmoving", _("Earthmoving")
        ROAD = "road", _("Road construction")
        QUARRY = "quarry", _("Quarry / sand & gravel")
        MINING = "mining", _("Mining")
        MUNICIPAL = "municipal", _("Municipal works")
        RENTAL = "rental", _("Rental")
        LOGISTICS = "logistics", _("Ports / logistics / yards")
        AGRICULTURE = "agriculture", _("Agriculture / forestry")
        OTHER = "other", _("Other")

    class Education(models.TextChoices):
        UNKNOWN = "", _("Unknown")
        PRIMARY = "primary", _("Primary school")
        MIDDLE = "middle", _("Middle school")
        HIGH = "high", _("High school / technical school")
        COLLEGE = "college", _("College")
        UNIVERSITY = "university", _("University or above")

    external_ref = models.CharField(
        _("external reference"),
        max_length=64,
        blank=True,
        help_text=_("Key of the record in the system or file it came from."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.END_USER)
    name = models.CharField(_("name"), max_length=100, validators=[validate_visible_name])
    # Search keys, derived from the name on every save (traditional folded to simplified).
    name_pinyin = models.CharField(_("name pinyin"), max_length=300, blank=True, editable=False)
    name_initials = models.CharField(_("name initials"), max_length=100, blank=True, editable=False)
    name_fuzzy = models.CharField(_("fuzzy pinyin key"), max_length=300, blank=True, editable=False)
    # Every character and pair of characters of the name, as words (normalise.name_grams):
    # a search for one or two characters looks here, through a trigram index on PostgreSQL.
    # (A database default too: rows written by code that predates the field still insert.)
    name_grams = models.TextField(
        _("name characters"), blank=True, default="", db_default="", editable=False
    )

    gender = models.CharField(_("gender"), max_length=8, choices=Gender, blank=True, default="")
    birth_date = models.DateField(
        _("birth date"), null=True, blank=True, validators=[validate_birth_date]
    )
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
        help_text=_("When only the year is known."),
    )
    # 居民身份证号: personal data, shown only to those who see the personal side. Validated
    # loosely (old 15-digit numbers and mistyped check digits are still worth keeping);
    # the matcher checks the check digit itself.
    id_number = models.CharField(
        _("ID number"),
        max_length=18,
        blank=True,
        db_index=True,  # the matcher looks a number up when a dossier changes
        validators=[validate_id_number],
        help_text=_("Resident ID card number: 15 or 18 characters, the last may be X."),
    )
    family_situation = models.TextField(_("family situation"), blank=True)

    province = models.CharField(_("province"), max_length=30, blank=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    county = models.CharField(_("county / district"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    sales_region = models.ForeignKey(
        SalesRegion,
        verbose_name=_("sales region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
    )

    industry = models.CharField(_("line of work"), max_length=16, choices=Industry, blank=True)
    sub_industry = models.CharField(_("sub-industry"), max_length=100, blank=True)
    started_operating_year = models.PositiveSmallIntegerField(
        _("year started operating machinery"),
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
    )
    repair_capability = models.CharField(_("repair capability"), max_length=200, blank=True)

    # Personal side — "the most important part" (seed 003).
    hobbies = models.CharField(_("hobbies"), max_length=200, blank=True)
    personality = models.CharField(_("personality"), max_length=200, blank=True)
    background = models.TextField(_("background"), blank=True)
    education = models.CharField(
        _("education"), max_length=16, choices=Education, blank=True, default=""
    )
    birthday_notes = models.CharField(_("birthday notes"), max_length=200, blank=True)

    # Sub-dealer dossier (seed 003): region, market size, people, vehicles, warehouse, capital.
    market_size = models.CharField(_("market size"), max_length=200, blank=True)
    staff_count = models.PositiveIntegerField(_("staff"), null=True, blank=True)
    vehicle_count = models.PositiveIntegerField(_("vehicles"), null=True, blank=True)
    warehouse = models.CharField(_("warehouse"), max_length=200, blank=True)
    registered_capital = models.DecimalField(
        _("capital (CNY)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )

    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PROSPECT)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sales manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_customers",
    )
    # Three flags that must never be confused (DOMAIN.md).
    is_gold_card = models.BooleanField(_("gold card"), default=False)
    is_benchmark = models.BooleanField(_("benchmark customer"), default=False)
    is_key_account = models.BooleanField(_("key account"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    # A merged duplicate stays as a tombstone pointing at the dossier it was merged into:
    # selectors hide it, its old URL redirects, and the merge can be undone.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_from",
    )
    merged_at = models.DateTimeField(_("merged at"), null=True, blank=True, editable=False)
    # The newest contact log's time, kept by contacts.services.refresh_last_contacted()
    # (contact log signals, merge and unmerge) so that "at risk" (seed 000: not contacted
    # for AT_RISK_DAYS) is an indexed comparison instead of a subquery per customer.
    last_contacted_at = models.DateTimeField(
        _("last contacted"), null=True, blank=True, editable=False
    )

    history = HistoricalRecords(excluded_fields=["updated_at", "last_contacted_at", "name_grams"])

    objects = LiveCustomerManager()
    all_objects = models.Manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["external_ref"],
                condition=~Q(external_ref=""),
                name="customers_customer_external_ref_unique",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="customers_customer_name_not_empty"),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")),
                name="customers_customer_not_merged_into_itself",
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True, merged_at__isnull=True)
                | Q(merged_into__isnull=False, merged_at__isnull=False),
                name="customers_customer_merged_at_with_merged_into",
            ),
        ]
        indexes = [
            # customer_list(): the default order (by pinyin, so 刘 sorts under L).
            models.Index(fields=["name_pinyin", "id"], name="cust_name_pinyin_idx"),
            # customer_list() search: LIKE 'lwc%' prefixes need pattern ops on PostgreSQL
            # (ignored elsewhere); blocking in the matcher uses the fuzzy key by equality.
            models.Index(
                fields=["name_pinyin"],
                name="cust_pinyin_prefix_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["name_initials"],
                name="cust_initials_prefix_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["name_fuzzy"],
                name="cust_fuzzy_prefix_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            # customer_list() for a manager, newest first.
            models.Index(fields=["manager", "name"], name="cust_manager_name_idx"),
            # a manager's at-risk customers, longest silent first, then by pinyin (the home
            # page's first 20 come straight off this index instead of sorting 20,000 rows).
            models.Index(
                fields=["manager", "last_contacted_at", "name_pinyin"],
                name="cust_manager_contact_idx",
            ),
            # the home page's count of a manager's at-risk customers (at_risk_filter): an
            # index-only scan of his entries, where the count read all 20,000 of his rows
            # from the table (bench).
            models.Index(
                fields=["manager", "last_contacted_at"],
                condition=Q(merged_into__isnull=True) & ~Q(status="lost"),
                name="cust_at_risk_idx",
            ),
            # counting live customers (every list's paginator, the home page): an index-only
            # scan of the ids instead of reading the whole table.
            models.Index(
                fields=["id"], condition=Q(merged_into__isnull=True), name="cust_live_idx"
            ),
            # gold-card customers (at most 10 per manager): the home page's list and count.
            models.Index(
                fields=["manager"],
                condition=Q(is_gold_card=True, merged_into__isnull=True),
                name="cust_gold_idx",
            ),
            # the archivist's and executive's home page: the ten most recently changed live
            # customers come off this index instead of sorting all 100,000 rows (bench: 200 ms
            # of a 240 ms page).
            models.Index(
                F("updated_at").desc(),
                condition=Q(merged_into__isnull=True),
                name="cust_recent_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    def derive_keys(self) -> None:
        """Search and matching keys from this row's name (traditional folded to simplified)."""
        keys = name_keys(self.name)
        self.name = self.name.strip()
        self.id_number = clean_text(self.id_number).upper()
        self.name_pinyin = keys.pinyin[:300]
        self.name_initials = keys.initials[:100]
        self.name_fuzzy = keys.fuzzy[:300]
        self.name_grams = name_grams(self.name)

    def clean(self) -> None:
        errors: dict[str, StrOrPromise] = {}
        if not (self.name or "").strip():
            errors["name"] = _("Enter the customer's name.")
        today = timezone.localdate()
        # The birth date's own bounds (1900 to today) are its field validator's.
        if self.birth_date and self.birth_year and self.birth_year != self.birth_date.year:
            errors["birth_year"] = _("The birth year does not match the birth date.")
        if self.birth_year and self.birth_year > today.year:
            errors.setdefault("birth_year", _("The birth year cannot be in the future."))
        if self.started_operating_year and self.started_operating_year > today.year:
            errors["started_operating_year"] = _("The year cannot be in the future.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.derive_keys()
        if self.birth_date:
            self.birth_year = self.birth_date.year
        super().save(*args, **kwargs)

    @property
    def display_birth_year(self) -> int | None:
        return self.birth_date.year if self.birth_date else self.birth_year


class CustomerUserObjectPermission(UserObjectPermissionBase):
    """Guardian per-customer permissions with a real foreign key (fast scoped lists)."""

    content_object = models.ForeignKey(Customer, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("customer user permission")


class CustomerGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Customer, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("customer group permission")


class Phone(TimeStampedModel):
    """One number as typed and as E.164; old numbers are kept as obsolete, never overwritten."""

    # Merging two dossiers unites their phones: a number both have stays once, on the kept
    # customer (customers.matching.merge reads this).
    merge_identity = ("e164",)

    class Label(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        LANDLINE = "landline", _("Landline")
        OFFICE = "office", _("Office")
        FAMILY = "family", _("Family member")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="phones"
    )
    raw = models.CharField(_("number as typed"), max_length=60)
    # Never unique: families share numbers (matching-facts.md).
    e164 = models.CharField(_("E.164 number"), max_length=20, blank=True, editable=False)
    national = models.CharField(_("national number"), max_length=20, blank=True, editable=False)
    extension = models.CharField(_("extension"), max_length=10, blank=True, editable=False)
    is_valid = models.BooleanField(_("valid number"), default=False, editable=False)
    label = models.CharField(_("label"), max_length=16, choices=Label, default=Label.MOBILE)
    is_active = models.BooleanField(_("in use"), default=True)
    since = models.DateField(_("in use since"), null=True, blank=True)
    obsolete_since = models.DateField(_("obsolete since"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-is_active", "id"]
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        constraints = [
            models.CheckConstraint(
                condition=Q(obsolete_since__isnull=True)
                | Q(since__isnull=True)
                | Q(obsolete_since__gte=models.F("since")),
                name="customers_phone_obsolete_after_since",
            ),
        ]
        indexes = [
            # customer_list(): full-number phone search and duplicate blocking on a shared number.
            models.Index(fields=["e164"], name="phone_e164_idx"),
            # customer_list(): partial-number search by national digits.
            models.Index(fields=["national"], name="phone_national_idx"),
        ]

    def __str__(self) -> str:
        return self.e164 or self.raw

    def derive_keys(self) -> None:
        result = normalize_phone(self.raw)
        self.raw = (self.raw or "").strip()
        self.e164 = result.e164
        self.national = result.national
        self.extension = result.extension[:10]
        self.is_valid = result.valid

    def clean(self) -> None:
        self.derive_keys()
        if not self.e164:
            raise ValidationError(
                {"raw": _("“%(raw)s” is not a phone number.") % {"raw": self.raw}}
            )  # the same rule as validate_phone, on the number already normalised
        if not self.is_active and not self.obsolete_since:
            self.obsolete_since = timezone.localdate()
        if self.obsolete_since and self.since and self.obsolete_since < self.since:
            raise ValidationError(
                {"obsolete_since": _("A number cannot become obsolete before it was in use.")}
            )

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.derive_keys()
        super().save(*args, **kwargs)


class Shareholder(TimeStampedModel):
    """A shareholder (股东); a change is a new row or a `left_on` date, never an overwrite."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="shareholders"
    )
    name = models.CharField(_("name"), max_length=100, validators=[validate_visible_name])
    share_percent = models.DecimalField(
        _("share %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    role = models.CharField(_("role"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["left_on", "-share_percent", "id"]
        verbose_name = _("shareholder")
        verbose_name_plural = _("shareholders")
        constraints = [
            models.CheckConstraint(
                condition=Q(share_percent__isnull=True)
                | Q(share_percent__gte=0, share_percent__lte=100),
                name="customers_shareholder_share_0_100",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True)
                | Q(joined_on__isnull=True)
                | Q(left_on__gte=models.F("joined_on")),
                name="customers_shareholder_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.left_on is None

    def clean(self) -> None:
        if self.left_on and self.joined_on and self.left_on < self.joined_on:
            raise ValidationError({"left_on": _("A shareholder cannot leave before joining.")})


class Machine(TimeStampedModel):
    """A machine of the customer's fleet, by serial where known, else a counted line."""

    class Source(models.TextChoices):
        FROM_US = "from_us", _("Bought from us")
        ELSEWHERE = "elsewhere", _("Bought elsewhere (new)")
        USED = "used", _("Used machine")

    class Status(models.TextChoices):
        IN_USE = "in_use", _("In use")
        SOLD = "sold", _("Sold")
        SCRAPPED = "scrapped", _("Scrapped")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="machines"
    )
    brand = models.CharField(_("brand"), max_length=60)
    model_raw = models.CharField(_("model as typed"), max_length=60)
    model_key = models.CharField(_("model key"), max_length=60, blank=True, editable=False)
    model_family = models.CharField(_("model family"), max_length=30, blank=True, editable=False)
    serial_number = models.CharField(_("serial number"), max_length=60, blank=True)
    quantity = models.PositiveSmallIntegerField(
        _("quantity"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("For lines without serial numbers; 1 when the serial is known."),
    )
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source, default=Source.ELSEWHERE)
    purchase_price = models.DecimalField(
        _("price (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_MACHINE_PRICE)],
        help_text=_("Only for machines bought from us."),
    )
    purchase_cost = models.DecimalField(
        _("our cost (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_MACHINE_PRICE)],
        help_text=_(
            "What the machine cost us; with it, tiering can rank customers by gross profit."
        ),
    )
    used_source = models.CharField(_("used machine came from"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.IN_USE)
    sold_to = models.CharField(_("sold to"), max_length=200, blank=True)
    hour_meter = models.DecimalField(
        _("hour meter (h)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), hour_meter_bound()],
    )
    hour_meter_date = models.DateField(_("hour meter read on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-purchase_date", "id"]
        verbose_name = _("machine")
        verbose_name_plural = _("machines")
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "serial_number"],
                condition=~Q(serial_number=""),
                name="customers_machine_brand_serial_unique",
            ),
            models.CheckConstraint(
                condition=Q(serial_number="") | Q(quantity=1),
                name="customers_machine_serial_means_one",
            ),
            models.CheckConstraint(
                condition=Q(purchase_price__isnull=True) | Q(source="from_us"),
                name="customers_machine_price_only_from_us",
            ),
            models.CheckConstraint(
                condition=Q(purchase_cost__isnull=True) | Q(source="from_us"),
                name="customers_machine_cost_only_from_us",
            ),
        ]
        indexes = [
            # duplicate scoring and model reports by family.
            models.Index(fields=["model_family"], name="machine_family_idx"),
        ]

    def __str__(self) -> str:
        # Not through model_display: simple-history's historical rows share this __str__.
        model = normalize_model(self.model_raw).display or self.model_raw
        label = f"{self.brand} {model}".strip()
        return f"{label} #{self.serial_number}" if self.serial_number else label

    @property
    def model_display(self) -> str:
        """The model as people read it (ＳＹ２１５Ｃ, sy215c → SY215C); the typed form stays in
        model_raw, the record of what was entered."""
        return normalize_model(self.model_raw).display or self.model_raw

    def derive_keys(self) -> None:
        model = normalize_model(self.model_raw)
        self.model_raw = (self.model_raw or "").strip()
        self.serial_number = clean_text(self.serial_number).upper()
        self.model_key = model.key[:60]
        self.model_family = model.family[:30]

    def clean(self) -> None:
        self.derive_keys()
        errors: dict[str, StrOrPromise] = {}
        if self.serial_number and self.quantity != 1:
            errors["quantity"] = _("A machine with a serial number counts as one.")
        if self.purchase_price is not None and self.source != self.Source.FROM_US:
            errors["purchase_price"] = _("A price is recorded only for machines bought from us.")
        if self.purchase_cost is not None and self.source != self.Source.FROM_US:
            errors["purchase_cost"] = _("A cost is recorded only for machines bought from us.")
        if self.purchase_date and self.purchase_date > timezone.localdate():
            errors["purchase_date"] = _("The purchase date cannot be in the future.")
        if self.hour_meter_date and self.hour_meter_date > timezone.localdate():
            errors["hour_meter_date"] = _("The reading date cannot be in the future.")
        elif self.hour_meter_exceeds_days():
            errors["hour_meter"] = _(
                "%(hours)s h would mean more than 24 hours a day since the machine was "
                "delivered on %(date)s."
            ) % {"hours": f"{self.hour_meter:,.1f}", "date": self.purchase_date}
        if errors:
            raise ValidationError(errors)

    def hour_meter_exceeds_days(self) -> bool:
        """A meter read on a day shows at most 24 h for each day since the purchase, the
        delivery day included (a new machine arrives with a few factory and test hours); a
        used machine came with hours already on it, so only new ones are checked."""
        if self.hour_meter is None or not self.hour_meter_date or not self.purchase_date:
            return False
        if self.source == self.Source.USED:
            return False
        days = (self.hour_meter_date - self.purchase_date).days + 1
        return self.hour_meter > 24 * max(days, 1)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.derive_keys()
        super().save(*args, **kwargs)


class Operator(TimeStampedModel):
    """A machine operator (机手) working for the customer."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="operators"
    )
    name = models.CharField(_("name"), max_length=100, validators=[validate_visible_name])
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    years_experience = models.PositiveSmallIntegerField(
        _("years of experience"), null=True, blank=True, validators=[MaxValueValidator(80)]
    )
    machine = models.ForeignKey(
        Machine,
        verbose_name=_("machine"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="operators",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("operator")
        verbose_name_plural = _("operators")

    def __str__(self) -> str:
        return self.name


class Project(TimeStampedModel):
    """A project the customer works on: where it came from, its cycle, subcontracting."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="projects"
    )
    name = models.CharField(_("project"), max_length=200, validators=[validate_visible_name])
    location = models.CharField(_("location"), max_length=200, blank=True)
    source = models.CharField(_("where the project came from"), max_length=200, blank=True)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    cycle = models.CharField(_("project cycle"), max_length=100, blank=True)
    is_subcontracted = models.BooleanField(_("subcontracted"), default=False)
    subcontracting = models.CharField(_("subcontracting details"), max_length=200, blank=True)
    sand_gravel_sales = models.CharField(_("sand & gravel sales"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-start_date", "id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="customers_project_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The project cannot end before it starts.")})


# The review queue and merge records live with the matcher; importing them here keeps
# them in this app and importable as `from customers.models import MergeRecord`.
from customers.importing.models import ImportBatch, ImportMapping, ImportRow  # noqa: E402
from customers.matching.models import (  # noqa: E402
    CustomerRelation,
    DuplicateCandidate,
    FanoutPartition,
    FanoutRun,
    MatchKey,
    MatchRun,
    MatchState,
    MergeRecord,
)

__all__ = [
    "Customer",
    "CustomerGroupObjectPermission",
    "CustomerRelation",
    "CustomerUserObjectPermission",
    "DuplicateCandidate",
    "FanoutPartition",
    "FanoutRun",
    "ImportBatch",
    "ImportMapping",
    "ImportRow",
    "Machine",
    "MatchKey",
    "MatchRun",
    "MatchState",
    "MergeRecord",
    "Operator",
    "Phone",
    "Project",
    "SalesRegion",
    "Shareholder",
    "validate_id_number",
    "validate_phone",
]
