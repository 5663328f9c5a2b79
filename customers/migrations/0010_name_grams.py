"""Customer.name_grams: every character and pair of characters of the name, as words, so a
search for one or two characters (军, 云红) is an index lookup. Trigram indexes need three
characters: before this, such a search read every name, twice per page (count and page).
0011 fills it in and indexes it. The database default lets code that predates the field
go on inserting customers meanwhile (a rolling deploy, another branch on a shared database).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customers", "0009_bounds")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="name_grams",
            field=models.TextField(
                blank=True,
                db_default="",
                default="",
                editable=False,
                verbose_name="name characters",
            ),
        ),
    ]
