"""Seed 000's benefits and the award weights as the programme's starting policy.

The values are frozen here (not imported from loyalty.models) so that a later change of
the defaults in code does not change what this migration did.
"""

from decimal import Decimal

from django.db import migrations

RULES = (
    ("purchase", "buyer", 1, 1, Decimal("1000.00"), "购机后1000元配件赠送"),
    ("own_repeat", "buyer", 2, 3, Decimal("1500.00"), "自购第二台、第三台各奖励1500元配件"),
    ("referral", "referrer", 1, 1, Decimal("1000.00"), "介绍新用户购机奖励1000元配件"),
    (
        "referral_repeat",
        "referrer",
        2,
        3,
        Decimal("1500.00"),
        "介绍的用户购第二台、第三台各奖励1500元配件",
    ),
)


def forwards(apps, schema_editor):
    BenefitRule = apps.get_model("loyalty", "BenefitRule")
    for code, beneficiary, first, last, amount, name in RULES:
        BenefitRule.objects.get_or_create(
            code=code,
            defaults={
                "beneficiary": beneficiary,
                "first_machine": first,
                "last_machine": last,
                "amount": amount,
                "name": name,
            },
        )
    AwardScoring = apps.get_model("loyalty", "AwardScoring")
    AwardScoring.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
