"""What the customers app tells (and asks) the apps that build on it. They connect in their
AppConfig.ready(); customers imports none of them (loyalty, contacts … build on customers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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

# --- what a merge asks the archivist on another app's behalf --------------------------------
#
# Some rows cannot simply move to the kept customer and only the archivist can say what to do
# (both customers hold a gold card, and a customer holds one live card at most). The app that
# owns those rows asks, through these three signals, sent with sender=Customer:
#
# 1. merge_questions(survivor, loser): the pair page, the dry run and the merge itself ask
#    before anything is written. A receiver answers a list of MergeQuestion (empty: nothing
#    to ask). The merge refuses, writing nothing, until each question is answered with one of
#    its options; an answer to a question not asked is refused too.
# 2. merge_answered(actor, survivor, loser, answers, merge_id): sent inside the merge's
#    transaction (and the dry run's savepoint, merge_id None) once the answers are checked and
#    before any row moves. A receiver carries out the answers to its own questions through its
#    own services, acting as `actor`, and answers {key: data}: JSON the merge record keeps,
#    with data["effect"] saying what was done as the archivist reads it. data["clear_flags"]
#    (optional) names flags (merge.FLAGS) the kept customer must not keep although either
#    customer held them (loyalty: a key account that keeps its gold card); the merge writes
#    that as one of its own survivor changes, so its record and its undo carry it.
# 3. merge_answer_undone(actor, survivor, loser, done): sent by the undo once the moved rows
#    are back on their customers, with {key: data} as answered in 2. The receiver reverses
#    what it did and answers a list of notes for what it could not restore (empty: exactly).


@dataclass(frozen=True)
class MergeOption:
    value: Any  # what the form and the API send: a card's id
    label: str  # JK20260001
    facts: tuple[tuple[str, str], ...] = ()  # (label, value) shown beside the choice
    effect: str = ""  # what choosing it does, as the archivist reads it


@dataclass(frozen=True)
class MergeQuestion:
    key: str  # the form field and the API field: keep_card
    label: str
    help: str
    options: tuple[MergeOption, ...] = field(default_factory=tuple)


merge_questions = Signal()
merge_answered = Signal()
merge_answer_undone = Signal()
