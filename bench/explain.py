"""EXPLAIN ANALYZE the SQL a page really runs: the queries of one request, captured.

    .venv/bin/python bench/explain.py "/customers/?q=6442" [--user bench_manager1]

Uses the same DATABASE_URL default as bench/run.py. Session and auth queries are
skipped; every other SELECT is explained with (ANALYZE, BUFFERS) on PostgreSQL.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.django_env import database_url, setup_django

SKIP = ('"django_session"', '"auth_group"', '"auth_user"')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help='path and query, e.g. "/customers/?q=lwc"')
    parser.add_argument("--user", default="bench_archivist")
    parser.add_argument("--sql-only", action="store_true", help="print the SQL, no plans")
    args = parser.parse_args(argv)

    database_url()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(get_user_model().objects.get(username=args.user))
    client.get(args.url)
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        response = client.get(args.url)
        elapsed = (time.perf_counter() - started) * 1000
    print(
        f"GET {args.url} as {args.user}: {response.status_code}, {elapsed:.1f} ms, "
        f"{len(ctx.captured_queries)} queries"
    )
    for query in ctx.captured_queries:
        sql = query["sql"]
        main_table = sql.partition(" FROM ")[2]
        if not sql.startswith("SELECT") or main_table.startswith(SKIP):
            continue
        print("\n" + "=" * 100)
        print(f"[{float(query['time']) * 1000:.1f} ms in Django] {sql}")
        if args.sql_only or connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print("\n".join(row[0] for row in cursor.fetchall()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
