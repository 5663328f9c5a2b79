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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import get_resolver
from django.utils import translation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WarmedUp:
    """What `warm_up` loaded, and the milliseconds each part took."""

    urls_ms: float
    translations_ms: float
    templates_ms: float
    templates: int  # compiled

    def __str__(self) -> str:
        total = self.urls_ms + self.translations_ms + self.templates_ms
        return (
            f"warmed up in {total:.0f} ms (urls {self.urls_ms:.0f}, translations "
            f"{self.translations_ms:.0f}, {self.templates} templates {self.templates_ms:.0f})"
        )


def _own_templates(engine: Any) -> list[str]:
    """The templates of an engine's own directories (settings.TEMPLATES' DIRS; not the
    installed apps', which include pages we never render, such as DRF's crispy-forms ones),
    by their loader names."""
    names: list[str] = []
    for directory in getattr(engine, "dirs", ()):
        root = Path(directory)
        names.extend(str(p.relative_to(root)) for p in sorted(root.rglob("*.html")) if p.is_file())
    return names


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def warm_up() -> WarmedUp:
    """Build the URL resolver, read every language's catalogue and compile every project
    template into its engine's cached loader."""
    started = time.perf_counter()
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (imports every URLconf and view module)
    resolver.reverse_dict  # noqa: B018 (the reverse lookup tables, built once per process)
    urls_ms = _ms_since(started)

    started = time.perf_counter()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Customer")
    translations_ms = _ms_since(started)

    started = time.perf_counter()
    compiled = 0
    for engine in engines.all():
        for name in _own_templates(engine):
            try:
                engine.get_template(name)
            except (TemplateDoesNotExist, TemplateSyntaxError):
                # A broken template should fail its own page (and its tests), not the
                # start of every worker.
                log.exception("template %s did not compile", name)
                continue
            compiled += 1
    return WarmedUp(urls_ms, translations_ms, _ms_since(started), compiled)
