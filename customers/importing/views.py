"""The archivist's import pages: upload, map the columns, read the dry run, decide,
commit; a progress bar while a step runs."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.models import ImportBatch, ImportRow
from dealercrm import roles
from dealercrm.decorators import policy_required
from dealercrm.pagination import page_of

from . import progress, selectors, services
from .forms import MappingForm, UploadForm

ROWS_PER_PAGE = 50


@policy_required(roles.can_import_customers)
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.import_upload(
                actor=request.user,
                file_name=upload.name,
                content=upload.read(),
                saved=form.cleaned_data.get("mapping"),
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect(batch)
    return render(
        request,
        "customers/import_list.html",
        {"form": form, "page": page_of(request, selectors.batch_list(user=request.user))},
    )


@policy_required(roles.can_import_customers)
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(user=request.user, pk=pk)
    context: dict[str, object] = {
        "batch": batch,
        "progress": progress.read(batch),
        "previous": list(selectors.previous_imports(batch=batch)[:5]),
    }
    if batch.status in {ImportBatch.Status.MAPPING, ImportBatch.Status.FAILED}:
        context["mapping_form"] = MappingForm(headers=batch.headers, mapping=batch.mapping)
    if batch.status in {ImportBatch.Status.CHECKED, ImportBatch.Status.COMMITTED}:
        verdict = request.GET.get("verdict", "")
        page = page_of(request, selectors.batch_rows(batch=batch, verdict=verdict), ROWS_PER_PAGE)
        context.update(
            {
                "verdict": verdict if verdict in ImportRow.Verdict.values else "",
                "verdicts": ImportRow.Verdict.choices,
                "page": page,
                "rows": [
                    {
                        "row": row,
                        "summary": selectors.row_summary(row),
                        "reasons": selectors.row_reasons(row),
                        "choices": [
                            (value, label)
                            for value, label in ImportRow.Decision.choices
                            if value in services.ALLOWED_DECISIONS[row.verdict]
                        ],
                    }
                    for row in page.object_list
                ],
                "querystring": f"verdict={verdict}" if verdict else "",
                "decisions": ImportRow.Decision.choices,
                "to_create": batch.rows.filter(decision=ImportRow.Decision.CREATE).count(),
                "to_attach": batch.rows.filter(decision=ImportRow.Decision.ATTACH).count(),
                "to_skip": batch.rows.filter(decision=ImportRow.Decision.SKIP).count(),
            }
        )
    if batch.status == ImportBatch.Status.COMMITTED:
        context["created"] = selectors.batch_created_customers(batch=batch)[:50]
    return render(request, "customers/import_detail.html", context)


@policy_required(roles.can_import_customers)
@require_POST
def import_map(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(user=request.user, pk=pk)
    form = MappingForm(request.POST, headers=batch.headers, mapping=batch.mapping)
    if form.is_valid():
        try:
            services.import_map(
                actor=request.user,
                batch=batch,
                mapping=form.mapping(),
                save_as=form.cleaned_data["save_as"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect(batch)
    return render(
        request,
        "customers/import_detail.html",
        {"batch": batch, "progress": progress.read(batch), "mapping_form": form},
    )


@policy_required(roles.can_import_customers)
@require_POST
def import_decide(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(user=request.user, pk=pk)
    try:
        if request.POST.get("all_verdict"):
            n = services.import_decide_all(
                actor=request.user,
                batch=batch,
                verdict=request.POST["all_verdict"],
                decision=request.POST.get("all_decision", ""),
            )
        else:
            decisions: dict[int, str] = {}
            for key, value in request.POST.items():
                # a posted value is a str ([] only for a key without values, never posted)
                if key.startswith("decision-") and key[9:].isdigit() and isinstance(value, str):
                    decisions[int(key[9:])] = value
            n = services.import_decide(actor=request.user, batch=batch, decisions=decisions)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(n)s decisions changed.") % {"n": n})
    back = request.POST.get("back", "")
    return redirect(f"{batch.get_absolute_url()}?{back}" if back else batch.get_absolute_url())


@policy_required(roles.can_import_customers)
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(user=request.user, pk=pk)
    try:
        batch = services.import_start_commit(actor=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if batch.status == ImportBatch.Status.COMMITTED:
            messages.success(
                request,
                _("Imported: %(created)s customers created, %(attached)s rows attached.")
                % {"created": batch.created_count, "attached": batch.attached_count},
            )
        elif batch.error:
            messages.error(request, _("Nothing was imported: %(error)s") % {"error": batch.error})
    return redirect(batch)


@policy_required(roles.can_import_customers)
@require_GET
def import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    batch = selectors.batch_get(user=request.user, pk=pk)
    return JsonResponse(progress.read(batch))
