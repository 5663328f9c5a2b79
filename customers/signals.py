"""What the customers app tells the apps that build on it. They connect in their
AppConfig.ready(); customers imports none of them (loyalty, contacts … build on customers)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by a merge, its dry run and an unmerge (customers.matching.merge), inside their
# transaction, once the rows that refer to the customers have moved. Keyword argument:
# `customers`, the customers concerned (locked). A receiver whose app keeps a Customer
# field in step with its own rows (merge.DERIVED: is_gold_card follows the gold cards)
# answers {customer pk: {attname: value}} for the rows as they now stand and writes
# nothing: the merge applies the values with its own history, validation and gold-card cap
# check, and records them so that the undo can say what changed.
customer_rows_moved = Signal()

# Sent by a merge and an unmerge (not the dry run), inside their transaction, once the rows
# have moved and the customers have been saved whole (a later save names its fields).
# Keyword argument: `customer_ids`, the two customers concerned. A receiver keeps a column
# of its own in step with the rows that moved and may write it now, with a queryset update
# and without history (contacts: Customer.last_contacted_at, the newest contact log); its
# answer is ignored. Not customer_rows_moved: that one is also sent by the dry run, and
# before the survivor is saved, which would overwrite such a column with the value it had
# before the merge.
customer_rows_settled = Signal()
