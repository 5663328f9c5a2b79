"""seed_demo: idempotent zh_CN demo data, written through the services (ARCHITECTURE.md)."""

from __future__ import annotations

import io
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction

from customers.models import (
    Customer,
    CustomerUserObjectPermission,
    Machine,
    Operator,
    Phone,
    Project,
    SalesRegion,
    Shareholder,
)
from customers.selectors import CustomerFilters, customer_list
from dealercrm import roles
from demo.management.commands.seed_demo import (
    DEFAULT_CUSTOMERS,
    DEFAULT_PASSWORD,
    DEMO_USERS,
    GOLD_LIMIT_PER_MANAGER,
    LATEST_DATE,
    DemoData,
)

pytestmark = pytest.mark.django_db

# Enough to hold every planted duplicate and key account, small enough to run fast.
SMALL = 30
LIU_SPELLINGS = ("刘文才", "刘文财", "刘稳材", "劉文才")


def seed(**options: Any) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict[str, Any]:
    models = (Customer, Phone, Shareholder, Machine, Operator, Project)
    state: dict[str, Any] = {m.__name__: m.objects.count() for m in models}
    state.update({f"{m.__name__} history": m.history.count() for m in models})  # type: ignore[attr-defined]
    state["regions"] = SalesRegion.objects.count()
    state["groups"] = Group.objects.count()
    state["permissions"] = CustomerUserObjectPermission.objects.count()
    state["users"] = sorted(get_user_model().objects.values_list("username", "password"))
    state["customers"] = sorted(
        Customer.objects.values_list("external_ref", "name", "manager__username", "updated_at")
    )
    return state


def test_running_twice_changes_nothing():
    # given
    seed(customers=SMALL)
    before = snapshot()

    # when
    out = seed(customers=SMALL)

    # then
    assert snapshot() == before
    assert f"{SMALL} customers (0 created, {SMALL} already there)" in out


def test_a_larger_run_adds_the_missing_customers_and_keeps_the_first_ones():
    # The first run stops inside the planted duplicates (张庆华's second entry, demo-0007,
    # comes with the second run), the second one adds the rest of them and the key accounts.
    seed(customers=6)
    first = sorted(Customer.objects.values_list("external_ref", "name", "created_at"))

    seed(customers=14)

    assert Customer.objects.count() == 14
    assert sorted(Customer.objects.values_list("external_ref", "name", "created_at"))[:6] == first


def test_a_changed_demo_password_takes_effect_on_the_next_run(django_user_model, monkeypatch):
    seed(customers=0)
    monkeypatch.setenv("DEMO_PASSWORD", "another-pass-42")

    out = seed(customers=0)

    assert django_user_model.objects.get(username="manager1").check_password("another-pass-42")
    assert django_user_model.objects.get(username="admin").check_password("another-pass-42")
    assert "another-pass-42" in out


def test_gold_cards_stay_within_the_per_manager_limit_even_in_a_large_archive():
    specs = DemoData(today=LATEST_DATE).build(3000)

    gold = Counter(s.manager for s in specs if s.data.get("is_gold_card"))

    assert max(gold.values()) <= GOLD_LIMIT_PER_MANAGER
    assert not [s for s in specs if s.data.get("is_gold_card") and s.data.get("is_key_account")]


@dataclass(frozen=True)
class Seeded:
    out: str
    logs: list[logging.LogRecord]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="class")
def full_demo(django_db_setup, django_db_blocker) -> Iterator[Seeded]:
    """One full default run (the slowest seed, ~1 min on a loaded 2-core machine) for the
    tests that only read what it wrote. It lives in a transaction rolled back after the
    class; each test runs in its own savepoint inside it, so a test's writes are gone before
    the next one (Django's TestCase.setUpTestData, for pytest). The log records of the run are
    kept as caplog would have them: a handler on the root logger."""
    records = _Records()
    root = logging.getLogger()
    with django_db_blocker.unblock(), transaction.atomic():
        root.addHandler(records)
        try:
            out = seed(url="http://127.0.0.1:8123/")
        finally:
            root.removeHandler(records)
        yield Seeded(out=out, logs=records.records)
        transaction.set_rollback(True)


# One xdist worker takes the whole class, so the full run is seeded once, not once a worker.
@pytest.mark.xdist_group("seed_demo_full")
class TestTheFullDemo:
    def test_full_run_has_300_customers_and_keeps_gold_benchmark_and_key_accounts_apart(
        self, full_demo
    ):
        out = full_demo.out

        demo = Customer.objects.filter(external_ref__startswith="demo-")
        assert demo.count() >= 300
        gold_per_manager = Counter(
            demo.filter(is_gold_card=True).values_list("manager__username", flat=True)
        )
        assert gold_per_manager, "some customers should hold a gold card"
        assert None not in gold_per_manager
        assert max(gold_per_manager.values()) <= GOLD_LIMIT_PER_MANAGER
        assert demo.filter(is_key_account=True).count() >= 3
        assert not demo.filter(is_key_account=True, is_gold_card=True).exists()
        assert not demo.filter(is_benchmark=True, is_gold_card=True).exists()
        assert demo.filter(is_benchmark=True).exists()
        assert 8 <= demo.filter(kind=Customer.Kind.SUB_DEALER).count() <= 12
        statuses = set(demo.values_list("status", flat=True))
        assert {"prospect", "active", "dormant", "lost"} <= statuses
        # Each manager's customers lie in his own region.
        pairs = set(
            demo.filter(manager__isnull=False).values_list(
                "manager__username", "sales_region__name"
            )
        )
        assert len(pairs) == 5
        assert len({manager for manager, _ in pairs}) == 5
        assert Phone.objects.filter(is_active=False, obsolete_since__isnull=False).exists()
        assert (
            Machine.objects.filter(
                source=Machine.Source.FROM_US, purchase_price__isnull=True
            ).count()
            == 0
        )
        assert "demo12345" in out

    def test_the_data_is_generated_from_a_fixed_seed(self, full_demo):
        specs = DemoData(today=LATEST_DATE).build(DEFAULT_CUSTOMERS)

        assert sorted(Customer.objects.values_list("external_ref", "name")) == [
            (spec.ref, spec.data["name"]) for spec in specs
        ]

    def test_every_dossier_is_written_by_the_archivist_through_the_services(self, full_demo):
        archivist_entries = Customer.history.filter(history_user__username="archivist")
        assert archivist_entries.count() == Customer.objects.count()
        assert not Machine.history.exclude(history_user__username="archivist").exists()
        # customer_create gives the manager his guardian view permission.
        assigned = Customer.objects.filter(manager__isnull=False)
        assert CustomerUserObjectPermission.objects.count() == assigned.count()
        assert all(
            p.user_id == p.content_object.manager_id
            for p in CustomerUserObjectPermission.objects.select_related("content_object")
        )

    def test_users_have_their_roles_names_and_the_demo_password(self, full_demo, django_user_model):
        for spec in DEMO_USERS:
            user = django_user_model.objects.get(username=spec.username)
            assert user.check_password(DEFAULT_PASSWORD)
            assert user.last_name and user.first_name
            if spec.role is None:
                assert user.is_superuser and user.is_staff
            else:
                assert roles.role_names(user) == {spec.role}
                assert not user.is_superuser
        assert django_user_model.objects.get(username="archivist").is_staff
        managers = django_user_model.objects.filter(groups__name=roles.SALES_MANAGER)
        assert sorted(managers.values_list("username", flat=True)) == [
            f"manager{n}" for n in range(1, 6)
        ]

    def test_manager1_finds_liu_wencai_by_initials_and_manager2_does_not(
        self, full_demo, django_user_model
    ):
        manager1 = django_user_model.objects.get(username="manager1")
        manager2 = django_user_model.objects.get(username="manager2")

        found = customer_list(user=manager1, filters=CustomerFilters(search="lwc"))
        hidden = customer_list(user=manager2, filters=CustomerFilters(search="lwc"))

        assert "刘文才" in [c.name for c in found]
        assert set(LIU_SPELLINGS) <= {c.name for c in found}
        assert not hidden.exists()

    def test_the_liu_wencai_spellings_share_the_fuzzy_key(self, full_demo):
        liu = Customer.objects.filter(name__in=LIU_SPELLINGS)

        assert liu.count() == len(LIU_SPELLINGS)
        assert set(liu.values_list("name_fuzzy", flat=True)) == {"liuwencai"}

    def test_planted_duplicates_carry_their_evidence(self, full_demo):
        # one number typed three ways on 刘文才, 刘文财 and the nickname 刘总
        sharing = Customer.objects.filter(phones__e164="+8613853991234")
        assert sorted(sharing.values_list("name", flat=True)) == ["刘总", "刘文才", "刘文财"]
        assert Phone.objects.filter(e164="+8613853991234").values("raw").distinct().count() == 3
        # one serial under two brand spellings, three spellings of one model
        zl50 = Machine.objects.filter(model_key="ZL50CII", customer__name__in=LIU_SPELLINGS)
        assert zl50.values("model_raw").distinct().count() == 3
        assert zl50.filter(serial_number="CLG0812345").count() == 2
        # 张庆华 twice, the second time with a second number
        zhang = Customer.objects.filter(name="张庆华").order_by("external_ref")
        assert [c.phones.count() for c in zhang] == [1, 2]
        # the brothers: same pinyin, same village, different people
        brothers = Customer.objects.filter(name__in=("王振海", "王镇海"))
        assert brothers.values("name_fuzzy").distinct().count() == 1
        assert brothers.values("address").distinct().count() == 1
        assert brothers.values("birth_year").distinct().count() == 2

    def test_the_output_ends_with_the_logins_and_the_address_given(self, full_demo):
        lines = full_demo.out.strip().splitlines()
        assert lines[-1].startswith("Open 打开 http://127.0.0.1:8123/")
        logins = lines.index(next(line for line in lines if line.startswith("Logins")))
        assert [line.split()[0] for line in lines[logins + 1 : -1]] == [
            spec.username for spec in DEMO_USERS
        ]
        assert "8000" not in full_demo.out
        # Eager Celery runs its tasks while seeding without a line per task.
        assert not [r for r in full_demo.logs if r.name.startswith(("celery", "kombu"))]

    def test_the_review_queue_is_filled_with_the_planted_duplicates(
        self, full_demo, client, django_user_model
    ):
        """Issue 17: after seeding, the archivist's queue holds the pairs to review (the
        刘文才 spellings among them) and never tells her to run a command."""
        from customers.models import DuplicateCandidate

        open_pairs = DuplicateCandidate.objects.filter(status=DuplicateCandidate.Status.OPEN)
        liu = set(Customer.objects.filter(name__in=LIU_SPELLINGS).values_list("pk", flat=True))
        liu_pairs = open_pairs.filter(low__in=liu, high__in=liu, kind="duplicate")
        assert liu_pairs.count() >= 3
        brothers = open_pairs.filter(
            low__name__in=("王振海", "王镇海"), high__name__in=("王振海", "王镇海")
        )
        assert list(brothers.values_list("kind", flat=True)) == ["relatives"]
        assert f"{open_pairs.count()} open pairs" in full_demo.out
        client.force_login(django_user_model.objects.get(username="archivist"))
        page = client.get("/customers/duplicates/").content.decode()
        assert "find_duplicates" not in page and "刘文财" in page
