"""A web worker loads its URLs, translations and templates before it serves (issue 19)."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver

from dealercrm import warmup

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _cached(engine: Any) -> set[str]:
    loader = engine.engine.template_loaders[0]
    return set(getattr(loader, "get_template_cache", {}))


@pytest.mark.django_db
def test_every_project_template_is_compiled_without_a_query() -> None:
    from django.db import connection

    engine = engines["django"]
    loader = engine.engine.template_loaders[0]
    loader.reset()  # the cached loader (Django's default whatever DEBUG says)
    with CaptureQueriesContext(connection) as queries:
        took = warmup.warm_up()
    names = {str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")}
    assert len(names) > 50
    assert took.templates == len(names)
    assert names <= _cached(engine)
    assert get_resolver()._populated
    assert len(queries) == 0


def test_gunicorn_runs_it_after_loading_the_app() -> None:
    config = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    logged: list[str] = []

    class Log:
        def info(self, message: str, *args: Any) -> None:
            logged.append(message % args)

    class Worker:
        log = Log()

    config["post_worker_init"](Worker())
    assert len(logged) == 1
    assert logged[0].startswith("warmed up in ")
    count = len(list(TEMPLATES.rglob("*.html")))
    assert f"{count} templates" in logged[0]


def test_a_broken_template_is_logged_not_fatal(tmp_path: Path, settings: Any, caplog: Any) -> None:
    (tmp_path / "broken.html").write_text("{% if %}", encoding="utf-8")
    (tmp_path / "fine.html").write_text("{{ x }}", encoding="utf-8")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path], "APP_DIRS": False}
        | {"OPTIONS": {k: v for k, v in settings.TEMPLATES[0]["OPTIONS"].items()}}
    ]
    took = warmup.warm_up()
    assert took.templates == 1
    assert "broken.html did not compile" in caplog.text
