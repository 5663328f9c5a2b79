"""Template tags the dossier page uses for what contacts owns: the dossier template asks
contacts for the reports still waiting, so the customers app needs no import of contacts."""

from __future__ import annotations

from typing import Any

from django import template

from contacts.models import Submission

register = template.Library()


@register.inclusion_tag("contacts/partials/my_pending.html", takes_context=True)
def my_pending_reports(context: dict[str, Any], customer: Any) -> dict[str, Any]:
    """The signed-in person's own reports on this customer that the archivist has not
    filed yet: a manager who just reported a visit sees it on the dossier at once."""
    request = context.get("request")
    user = getattr(request, "user", None)
    reports: list[Submission] = []
    if user is not None and user.is_authenticated:
        reports = list(
            Submission.objects.filter(
                author=user, customer=customer, status=Submission.Status.PENDING
            ).order_by("-submitted_at")[:10]
        )
    return {"reports": reports}
