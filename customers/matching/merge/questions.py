"""The apps' questions about a merge (customers.signals: merge_questions, merge_answered):
what the archivist is asked, her answers checked against the options, and the apps carrying
them out before any row moves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from customers.models import Customer
from customers.signals import MergeQuestion, merge_answered, merge_questions
from dealercrm import roles

from .fields import _chosen_values, _json


def _questions(survivor: Customer, loser: Customer) -> list[MergeQuestion]:
    asked: list[MergeQuestion] = []
    for _receiver, answer in merge_questions.send(sender=Customer, survivor=survivor, loser=loser):
        asked.extend(cast("Sequence[MergeQuestion]", answer or ()))
    return asked


def merge_question_list(
    *, actor: roles.Actor, survivor: Customer, loser: Customer
) -> list[MergeQuestion]:
    """What the merge of this pair asks the archivist (the pair page's required choices)."""
    roles.require(roles.can_merge, actor)
    return _questions(survivor, loser)


def _checked_answers(
    questions: Sequence[MergeQuestion], answers: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Each question answered with one of its options (the option's own value), or a
    ValidationError naming every field that is not. An empty answer is no answer."""
    given = {k: v for k, v in (answers or {}).items() if v is not None and str(v).strip() != ""}
    errors: dict[str, list[str]] = {}
    checked: dict[str, Any] = {}
    for question in questions:
        options = pgettext("list separator", ", ").join(
            f"{o.value} ({o.label})" for o in question.options
        )
        if question.key not in given:
            errors[question.key] = [
                _("%(help)s Send %(field)s, one of: %(options)s.")
                % {"help": question.help, "field": question.key, "options": options}
            ]
            continue
        value = str(given.pop(question.key)).strip()
        match = [o for o in question.options if str(o.value) == value]
        if not match:
            errors[question.key] = [
                _("%(value)s is not one of the choices: %(options)s.")
                % {"value": value, "options": options}
            ]
            continue
        checked[question.key] = match[0].value
    for key in given:
        errors[key] = [
            _("There is nothing to choose for %(field)s in this merge.") % {"field": key}
        ]
    if errors:
        raise ValidationError(errors)
    return checked


def _answer(
    *,
    actor: roles.Actor,
    survivor: Customer,
    loser: Customer,
    questions: Sequence[MergeQuestion],
    answers: Mapping[str, Any],
    merge_id: Any,
) -> list[dict[str, Any]]:
    """The apps carry out the archivist's answers (before any row moves): what each did,
    for the merge record and the undo."""
    if not answers:
        return []
    done: dict[str, Any] = {}
    for receiver, said in merge_answered.send(
        sender=Customer,
        actor=actor,
        survivor=survivor,
        loser=loser,
        answers=dict(answers),
        merge_id=merge_id,
    ):
        for key, data in cast("Mapping[str, Any]", said or {}).items():
            if key not in answers or key in done:
                raise ImproperlyConfigured(f"{receiver!r} answered {key!r}, not its question")
            done[key] = data
    missing = sorted(set(answers) - set(done))
    if missing:
        raise ImproperlyConfigured(f"nobody carried out the answers {missing}")
    return [
        {
            "field": q.key,
            "value": _json(answers[q.key]),
            "effect": str(done[q.key].get("effect", "")),
            "done": done[q.key],
        }
        for q in questions
    ]


def _check_input(
    survivor: Customer,
    loser: Customer,
    choices: Mapping[str, str] | None,
    answers: Mapping[str, Any] | None,
) -> tuple[list[MergeQuestion], dict[str, Any]]:
    """The choices and the answers, checked before anything is written; every field that is
    wrong is named at once."""
    errors: dict[str, list[str]] = {}
    try:
        _chosen_values(survivor, loser, choices)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    questions = _questions(survivor, loser)
    checked: dict[str, Any] = {}
    try:
        checked = _checked_answers(questions, answers)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return questions, checked


def cleared_flags(answered: Sequence[Mapping[str, Any]]) -> frozenset[str]:
    """The flags (FLAGS) the apps' answers ask the merge to clear on the kept customer
    (loyalty: a key account that keeps its gold card): done["clear_flags"]."""
    from .fields import FLAGS

    names = {str(n) for a in answered for n in (a.get("done") or {}).get("clear_flags", ())}
    unknown = names - set(FLAGS)
    if unknown:
        raise ImproperlyConfigured(f"an answer asked to clear {sorted(unknown)}, not a flag")
    return frozenset(names)
