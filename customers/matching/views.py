"""The archivist's review queue in the browser: the pairs, two dossiers side by side, and
the decisions (merge, not a duplicate, relatives); merge records with undo."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.models import DuplicateCandidate
from dealercrm import roles
from dealercrm.decorators import policy_required

from . import refresh_jobs, selectors, services
from .merge import (
    LOSER,
    SURVIVOR,
    derived_fields,
    flag_fields,
    flags_kept,
    kept_label,
    merge_fields,
    moves_sentence,
    plan_rows,
    thing_label,
)

PAGE_SIZE = 25


def _filters(request: HttpRequest) -> selectors.CandidateFilters:
    status = request.GET.get("status", DuplicateCandidate.Status.OPEN)
    if status not in DuplicateCandidate.Status.values and status != "all":
        status = DuplicateCandidate.Status.OPEN
    kind = request.GET.get("kind", "")
    try:
        min_score = float(request.GET["min_score"]) if request.GET.get("min_score") else None
    except ValueError:
        min_score = None
    return selectors.CandidateFilters(
        status="" if status == "all" else status,
        kind=kind if kind in DuplicateCandidate.Kind.values else "",
        min_score=min_score,
        search=request.GET.get("q", "").strip(),
    )


@policy_required(roles.can_review_duplicates)
def duplicate_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    page = Paginator(
        selectors.candidate_list(user=request.user, filters=filters), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "customers/duplicate_list.html",
        {
            "page": page,
            "filters": filters,
            "status_value": request.GET.get("status", DuplicateCandidate.Status.OPEN),
            "statuses": DuplicateCandidate.Status.choices,
            "kinds": DuplicateCandidate.Kind.choices,
            "querystring": query.urlencode(),
            "refresh": refresh_jobs.refresh_state(),
            "refresh_running": refresh_jobs.refresh_state().get("state")
            in {refresh_jobs.QUEUED, refresh_jobs.RUNNING},
        },
    )


@policy_required(roles.can_review_duplicates)
@require_POST
def duplicate_refresh(request: HttpRequest) -> HttpResponse:
    """The archivist's button: look for new duplicates now (a Celery task)."""
    if refresh_jobs.refresh_start(actor=request.user):
        messages.success(request, _("Looking for duplicates; the list fills in when it is done."))
    else:
        messages.info(request, _("A search for duplicates is already running."))
    return redirect("customers:duplicate_list")


@policy_required(roles.can_review_duplicates)
def duplicate_refresh_progress(request: HttpRequest) -> JsonResponse:
    """The refresh's state for the queue page's progress bar (import-progress.js)."""
    state = refresh_jobs.refresh_state()
    done, total = int(state.get("done") or 0), int(state.get("total") or 0)
    return JsonResponse(
        {
            "state": state.get("state", ""),
            "running": state.get("state") in {refresh_jobs.QUEUED, refresh_jobs.RUNNING},
            "step": state.get("step", ""),
            "done": done,
            "total": total,
            "percent": round(100 * done / total) if total else 0,
        }
    )


@policy_required(roles.can_review_duplicates)
def duplicate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = selectors.candidate_get(user=request.user, pk=pk)
    view = selectors.pair_view(user=request.user, candidate=candidate, keep=request.GET.get("keep"))
    plan = None
    plan_error = ""
    questions = []
    if candidate.is_open and roles.can_merge(request.user):
        questions = services.merge_question_list(
            actor=request.user, survivor=view.left, loser=view.right
        )
        try:
            # The form asks each question (a required choice); the plan is previewed with
            # the first option (the kept customer's card), each option saying what it does.
            plan = services.merge_preview(
                actor=request.user,
                survivor=view.left,
                loser=view.right,
                answers={q.key: q.options[0].value for q in questions if q.options},
            )
        except ValidationError as exc:
            plan_error = " ".join(exc.messages)
    return render(
        request,
        "customers/duplicate_detail.html",
        {
            "candidate": candidate,
            "view": view,
            "plan": plan,
            "plan_moves": list(plan_rows(plan)) if plan else [],
            "plan_sentence": moves_sentence(plan_rows(plan), view.left.name) if plan else "",
            "plan_kept": [
                (
                    kept_label(str(k.ref.model._meta.verbose_name), k.ref.label, k.ref.field),
                    k.pk,
                    k.reason,
                )
                for k in plan.kept
            ]
            if plan
            else [],
            "plan_error": plan_error,
            "plan_flags": flags_kept(view.left, view.right) if plan else [],
            "questions": questions,
            "SURVIVOR": SURVIVOR,
            "LOSER": LOSER,
        },
    )


def _answers(request: HttpRequest) -> dict[str, str]:
    """The answers to the questions the page asked (each named in a hidden `asked` field):
    one left unanswered is sent empty, and the service names it."""
    return {key: request.POST.get(key, "") for key in request.POST.getlist("asked")}


def _choices(request: HttpRequest) -> dict[str, str]:
    """Every choice the form sent: the service refuses a field that cannot be chosen (the
    gold-card flag follows the cards) and a side other than survivor/loser."""
    prefix = "choice_"
    return {
        key.removeprefix(prefix): request.POST[key]
        for key in request.POST
        if key.startswith(prefix)
    }


@policy_required(roles.can_merge)
@require_POST
def duplicate_merge(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = selectors.candidate_get(user=request.user, pk=pk)
    keep = request.POST.get("survivor")
    if keep not in (str(candidate.low_id), str(candidate.high_id)):
        messages.error(request, _("Choose which customer to keep."))
        return redirect(candidate)
    survivor, loser = candidate.low, candidate.high
    if keep == str(candidate.high_id):
        survivor, loser = loser, survivor
    try:
        record = services.customer_merge(
            actor=request.user,
            survivor=survivor,
            loser=loser,
            choices=_choices(request),
            candidate=candidate,
            answers=_answers(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(candidate)
    messages.success(
        request,
        _("%(loser)s was merged into %(survivor)s.")
        % {"loser": loser.name, "survivor": survivor.name},
    )
    return redirect(record)


def _decide(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    candidate = selectors.candidate_get(user=request.user, pk=pk)
    try:
        action(actor=request.user, candidate=candidate, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(candidate)
    messages.success(request, done % {"left": candidate.low.name, "right": candidate.high.name})
    return redirect("customers:duplicate_list")


@policy_required(roles.can_review_duplicates)
@require_POST
def duplicate_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        services.candidate_dismiss,
        _(
            "%(left)s and %(right)s: not a duplicate. The pair comes back only if their "
            "data changes."
        ),
    )


@policy_required(roles.can_review_duplicates)
@require_POST
def duplicate_relate(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request, pk, services.candidate_relate, _("%(left)s and %(right)s are linked as relatives.")
    )


@policy_required(roles.can_merge)
def merge_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.merge_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "customers/merge_list.html", {"page": page, "querystring": ""})


@policy_required(roles.can_merge)
def merge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.merge_get(user=request.user, pk=pk)
    fields = {
        f.attname: str(f.verbose_name) for f in [*merge_fields(), *flag_fields(), *derived_fields()]
    }
    changes = [
        (fields.get(name, name), before, after)
        for name, (before, after) in record.survivor_changes.items()
        if name in fields
    ]
    moved = record.moved_by_model()
    return render(
        request,
        "customers/merge_detail.html",
        {
            "record": record,
            "changes": changes,
            "moved": moved,
            "moved_sentence": moves_sentence(moved, record.survivor.name),
            "kept": [
                (kept_label(thing_label(k["model"]), k["model"], k["field"]), k["pk"], k["reason"])
                for k in record.kept or []
            ],
        },
    )


@policy_required(roles.can_merge)
@require_POST
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.merge_get(user=request.user, pk=pk)
    if request.POST.get("confirm") != "1":
        # Undo changes two dossiers at once: she ticks the box that says so first.
        messages.error(request, _("Tick the box to confirm the undo; nothing was changed."))
        return redirect(record)
    try:
        record = services.merge_undo(actor=request.user, record=record)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(record)
    messages.success(request, _("The merge was undone: both customers are back."))
    for note in record.undo_notes:
        messages.warning(request, note)
    return redirect(record)
