"""The field lists of a service record, declared once: the form, the API and the services
derive from them."""

from __future__ import annotations

# What the desk types on a record, in the form's order.
TYPED_FIELDS = (
    "kind",
    "status",
    "subject",
    "opened_on",
    "closed_on",
    "machine",
    "hour_meter",
    "technician",
    "fault_description",
    "work_done",
    "parts_used",
    "resolution",
    "satisfaction",
    "follow_up_on",
)
# Every field a write may set besides the money: the typed ones and the record this one
# follows up (on the page it comes from the link that opened the form, not from a field).
RECORD_FIELDS = (*TYPED_FIELDS, "follows")
# The charges the archivist alone writes; a record without them charges nothing.
CHARGE_FIELDS = ("labour_charge", "parts_charge")
MONEY_FIELDS = (*CHARGE_FIELDS, "cost_total")
# The money a record shows, hidden from those who may not see charges: the charges, the gold
# discount and the total derived from them, and the cost.
MONEY_OUTPUT = (*CHARGE_FIELDS, "discount_rate", "discount_amount", "total_charge", "cost_total")
