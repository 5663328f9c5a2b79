"""Customer.name_grams (0010) filled in for every customer, and its trigram index.

The backfill runs in batches and, on PostgreSQL, vacuums the table after each one so the
rewritten rows reuse the space of the old ones (one UPDATE of every row would double the
table where autovacuum is off, as on the bench). The migration is therefore not atomic; every step can
be run again. The trigram index is PostgreSQL only, like those of 0002 (SQLite searches
small data sets fast enough without).
"""

from django.db import migrations

BATCH = 10_000
INDEX = "cust_name_grams_trgm_idx"


def _grams(name):
    # customers.matching.normalise.name_grams as of this migration (frozen here).
    grams: dict[str, None] = {}
    for size in (1, 2):
        for start in range(len(name or "") - size + 1):
            gram = name[start : start + size]
            if not any(ch.isspace() for ch in gram):
                grams.setdefault(gram)
    return f" {' '.join(grams)} " if grams else ""


def backfill(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    rows = Customer._base_manager.order_by("pk").values_list("pk", "name")
    postgres = schema_editor.connection.vendor == "postgresql"
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last)[:BATCH])
        if not batch:
            break
        last = batch[-1][0]
        if postgres:
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE customers_customer AS c SET name_grams = v.grams "
                    "FROM unnest(%s::bigint[], %s::text[]) AS v(id, grams) "
                    "WHERE c.id = v.id AND c.name_grams IS DISTINCT FROM v.grams",
                    [[pk for pk, _ in batch], [_grams(name) for _, name in batch]],
                )
                if not schema_editor.connection.in_atomic_block:
                    cursor.execute("VACUUM customers_customer")
        else:
            objs = [Customer(pk=pk, name_grams=_grams(name)) for pk, name in batch]
            Customer._base_manager.bulk_update(objs, ["name_grams"], batch_size=1000)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON customers_customer "
        "USING gin (name_grams gin_trgm_ops)"
    )
    schema_editor.execute("ANALYZE customers_customer")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("customers", "0010_name_grams")]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_index, drop_index),
    ]
