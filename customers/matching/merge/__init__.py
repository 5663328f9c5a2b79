"""Merge two dossiers into one, and undo it (issue 10).

One transaction, both customers locked in primary-key order. Every row that refers to the
merged customer ("loser") is re-pointed to the kept one ("survivor"); the rows are found
from the model metadata — reverse foreign keys and one-to-ones including hidden ones
(history tables, guardian's object permissions, any app added later) and generic foreign
keys — never from a hand-kept list. A row that would break a unique or check constraint
on the survivor stays on the loser and the merge record says why; nothing is deleted. The
loser stays as a tombstone pointing at the survivor. The MergeRecord lists exactly which
rows moved, so undoing moves back those rows and nothing created since.

A few Customer fields follow rows another app owns (DERIVED: is_gold_card follows the gold
cards). They are never chosen: once the rows have moved (merge or undo), the owning app
says what they are now (customers.signals.customer_rows_moved; customers imports no app
that builds on it) and the merge writes that, with history and the gold-card cap check.
The flags (FLAGS: key account, benchmark) are not chosen either: the kept customer holds a
flag when either customer held it, and the undo gives each customer his own value back.

Rows that cannot simply move and need the archivist's word (both customers hold a gold
card: which one to keep?) are asked about by the app that owns them (customers.signals:
merge_questions, merge_answered, merge_answer_undone): the merge writes nothing until each
question is answered, the app carries the answer out before the rows move, and the undo
asks the app to reverse it.

Split by idea: fields (what is chosen, derived, flagged; snapshots), rows (what refers to a
customer, whether a row may move, the history written for it), plan (MergePlan), questions
(the apps' questions and answers), apply (the merge and its dry run), undo, labels (what the
archivist reads); the public names are imported from here.
"""

from .apply import customer_merge, merge_preview
from .fields import (
    DERIVED,
    FLAGS,
    LOSER,
    NOT_CHOSEN,
    SURVIVOR,
    default_choices,
    derived_fields,
    flag_fields,
    flags_kept,
    merge_fields,
)
from .labels import kept_label, moves_sentence, plan_rows, related_counts, thing_label
from .plan import Kept, MergePlan, Move
from .questions import merge_question_list
from .rows import Reference, references
from .undo import merge_undo

__all__ = [
    "DERIVED",
    "FLAGS",
    "LOSER",
    "NOT_CHOSEN",
    "SURVIVOR",
    "Kept",
    "MergePlan",
    "Move",
    "Reference",
    "customer_merge",
    "default_choices",
    "derived_fields",
    "flag_fields",
    "flags_kept",
    "kept_label",
    "merge_fields",
    "merge_preview",
    "merge_question_list",
    "merge_undo",
    "moves_sentence",
    "plan_rows",
    "references",
    "related_counts",
    "thing_label",
]
