"""Trigram indexes for substring search on PostgreSQL (bench: a manager's last-4-digits
phone search read all 160k phones twice per page; a full CJK name scanned all customers).

PostgreSQL only: SQLite has no pg_trgm and searches small data sets fast enough without.
The database's ctype is UTF-8 (C.UTF-8 here), so CJK characters produce trigrams.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "phone_national_trgm_idx": "customers_phone USING gin (national gin_trgm_ops)",
    "cust_name_trgm_idx": "customers_customer USING gin (name gin_trgm_ops)",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, target in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [TrigramExtension(), migrations.RunPython(forwards, backwards)]
