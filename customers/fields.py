"""The customer's dossier fields, declared once and in order: the browser form and its
fieldsets, the API's output and input serializers and the hiding of the personal side all
derive from this list, so a field added here reaches each of them (or none)."""

from __future__ import annotations

# The sections of the dossier page (its fieldsets). A field without one is shown by the API
# but never typed: set by the system, or by another resource.
PROFILE = "profile"
PERSONAL = "personal"
SUB_DEALER = "sub_dealer"
NOTES = "notes"

CUSTOMER_FIELDS: tuple[tuple[str, str | None], ...] = (
    ("id", None),
    ("kind", PROFILE),
    ("name", PROFILE),
    ("name_pinyin", None),  # from the name, on save
    ("name_initials", None),
    ("status", PROFILE),
    ("manager", PROFILE),
    ("sales_region", PROFILE),
    # is_gold_card follows the customer's gold card (loyalty registers, suspends and revokes
    # cards; the gold-cards resource changes it); it is not ticked by hand.
    ("is_gold_card", None),
    ("is_benchmark", PROFILE),
    ("is_key_account", PROFILE),
    ("gender", PERSONAL),
    ("birth_date", PERSONAL),
    ("birth_year", PERSONAL),
    ("id_number", PERSONAL),
    ("family_situation", PERSONAL),
    ("province", PROFILE),
    ("city", PROFILE),
    ("county", PROFILE),
    ("address", PROFILE),
    ("industry", PROFILE),
    ("sub_industry", PROFILE),
    ("started_operating_year", PROFILE),
    ("repair_capability", PROFILE),
    ("hobbies", PERSONAL),
    ("personality", PERSONAL),
    ("background", PERSONAL),
    ("education", PERSONAL),
    ("birthday_notes", PERSONAL),
    ("market_size", SUB_DEALER),
    ("staff_count", SUB_DEALER),
    ("vehicle_count", SUB_DEALER),
    ("warehouse", SUB_DEALER),
    ("registered_capital", SUB_DEALER),
    ("external_ref", PROFILE),
    ("notes", NOTES),
    ("created_at", None),
    ("updated_at", None),
)

# Every field a reader may be shown, in the API's order.
DOSSIER_FIELDS = tuple(name for name, _section in CUSTOMER_FIELDS)
# The fields a user types (the form, the API's input), in the same order.
EDITABLE_FIELDS = tuple(name for name, section in CUSTOMER_FIELDS if section is not None)


def section_fields(section: str) -> tuple[str, ...]:
    """The fields of one section of the page, in order."""
    return tuple(name for name, where in CUSTOMER_FIELDS if where == section)


# The personal side, shown only to those who may see it (dealercrm.roles.can_view_personal).
PERSONAL_FIELDS = section_fields(PERSONAL)
