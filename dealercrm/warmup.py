"""Load what every request needs before a web process takes its first one (issue 19).

Django loads lazily: the first request a process serves builds the URL resolver (~190 ms
here, every app's URLconf and view module imported), compiles each template it renders
(~90 ms for all of ours) and reads the translation catalogues. Measured on the bench data, a
fresh process's first dossier took 246 ms against 28 ms for the second; after `warm_up()`
71 ms. gunicorn calls this in `post_worker_init` (gunicorn.conf.py), so the cost is paid
while the process is not yet serving: at start, and every time a worker is recycled
(`max_requests`) in the middle of a working day, when the users on that process would
otherwise wait for it.

Nothing here touches the database: a worker that starts while PostgreSQL is down still
starts, and `/readyz` says so.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import get_resolver
from django.utils import translation

log = logging.getLogger(__name__)


def _template_names() -> list[str]:
    """Every template of the project's own template directories (settings.TEMPLATES' DIRS;
    not the installed apps', which include pages we never render, such as DRF's crispy-forms
    ones), by its loader name."""
    names: list[str] = []
    for engine in engines.all():
        for directory in getattr(engine, "dirs", ()):
            root = Path(directory)
            names.extend(
                str(path.relative_to(root))
                for path in sorted(root.rglob("*.html"))
                if path.is_file()
            )
    return names


def warm_up() -> dict[str, float]:
    """Build the URL resolver, read every language's catalogue and compile every project
    template into the cached loader; the milliseconds each took."""
    took: dict[str, float] = {}
    started = time.perf_counter()
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (imports every URLconf and view module)
    resolver.reverse_dict  # noqa: B018 (the reverse lookup tables, built once per process)
    took["urls"] = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Customer")
    took["translations"] = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    compiled = 0
    for name in _template_names():
        for engine in engines.all():
            try:
                engine.get_template(name)
            except (TemplateDoesNotExist, TemplateSyntaxError):
                # A broken template should fail its own page (and its tests), not the
                # start of every worker.
                log.exception("template %s did not compile", name)
                continue
            compiled += 1
    took["templates"] = (time.perf_counter() - started) * 1000
    took["template_count"] = compiled
    return took
