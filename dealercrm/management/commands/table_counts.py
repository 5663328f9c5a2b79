"""Print the row count of every table of the database as JSON (backup/restore checks)."""

import json
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = "Row counts per table, as JSON, to compare a database with its restored backup."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = {}
        with connection.cursor() as cursor:
            for table in sorted(connection.introspection.table_names(cursor)):
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - names from the catalogue
                counts[table] = cursor.fetchone()[0]
        self.stdout.write(json.dumps(counts, indent=1, sort_keys=True))
