"""The field lists of the manager's loop, declared once: the forms, the API and the services
derive from them."""

from __future__ import annotations

# What a call or visit report says (contacts.models.ReportFields), in the form's order: typed
# in a manager's submission, a contact log, the archivist's filing.
REPORT_FIELDS = (
    "channel",
    "occurred_at",
    "place",
    "project_status",
    "equipment_status",
    "intents",
    "summary",
    "next_step",
    "follow_up_on",
)
# How a submission describes a customer not yet in the archive.
NEW_CUSTOMER_FIELDS = ("new_customer_name", "new_customer_phone", "new_customer_place")
# What a manager writes on each line (one gold customer) of his monthly report.
ENTRY_FIELDS = ("discussed", "changes", "next_month_plan", "problems")
# The dossier fields the archivist may correct in the same step as filing a report.
CUSTOMER_FIELDS_ON_FILE = ("status", "province", "city", "county", "address", "industry", "notes")
