"""Process setup shared by the bench scripts: database URL, database creation, django.setup()."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dealercrm_bench"


def database_url(default: str = DEFAULT_DATABASE_URL) -> str:
    """DATABASE_URL from the environment, else the bench database (never the dev SQLite file)."""
    url = os.environ.get("DATABASE_URL") or default
    os.environ["DATABASE_URL"] = url
    return url


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database named in `url` if it is missing; True when created."""
    import environ

    config = environ.Env.db_url_config(url)
    if "postgresql" not in config["ENGINE"]:
        return False
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
    )
    try:
        conn.autocommit = True  # CREATE DATABASE cannot run inside a transaction
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
            if cur.fetchone():
                return False
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            return True
    finally:
        conn.close()


def setup_django() -> None:
    """Make the project importable and configure Django for a benchmark process."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealercrm.settings")
    # Time what production runs: no per-query bookkeeping of DEBUG (override with DEBUG=1).
    os.environ.setdefault("DEBUG", "false")
    import warnings

    import django

    # WhiteNoise warns once per process about a STATIC_ROOT that only collectstatic creates.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from django.conf import settings

    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
