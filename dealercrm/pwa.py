"""The installable app: the web app manifest and the service worker, served from the site's
root so that the worker's scope covers every page (a script under /static/ could only
control /static/)."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

SERVICE_WORKER = "js/sw.js"


def _static_text(path: str) -> str:
    """A static file's text: collected (production) or found in the app's static dirs."""
    found = finders.find(path)
    if found:
        with open(found, encoding="utf-8") as fh:
            return fh.read()
    with staticfiles_storage.open(path) as fh:
        data: bytes = fh.read()  # a storage opens files in binary mode
        return data.decode("utf-8")


@require_GET
@cache_control(no_cache=True)  # a new worker must reach phones on their next visit
def service_worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        _static_text(SERVICE_WORKER), content_type="text/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    icons = [
        {"src": static(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    icons.append(
        {
            "src": static("icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        }
    )
    response = JsonResponse(
        {
            "name": _("dealercrm"),
            "short_name": _("dealercrm"),
            "description": _("dealercrm — one truthful dossier per customer"),
            "lang": request.LANGUAGE_CODE,
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#c8102e",
            "icons": icons,
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Content-Type"] = "application/manifest+json"
    return response
