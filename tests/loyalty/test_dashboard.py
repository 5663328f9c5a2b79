"""The executives' dashboards (issue 7): figures on constructed data, scoping per role,
filters, the lists behind the numbers, exports and query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from customers.models import Customer
from dealercrm.jobs import system_actor
from dealercrm.models import SecurityEvent
from loyalty import services
from loyalty.models import TierSnapshot
from loyalty.selectors import dashboard as selectors
from loyalty.selectors.dashboard import DashboardFilters, Drill, shift_month
from loyalty.selectors.dashboard import pareto as pareto_selectors
from loyalty.services.tiers import tiers_compute
from parts.models import PartsOrder
from tests.factories import CustomerFactory, MachineFactory, UserFactory
from tests.loyalty.dashboard_data import build, reminder, snap
from tests.loyalty.helpers import days_ago, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(archivist, manager, other_manager):
    return build(archivist, manager, other_manager)


def gold(user, world, **kwargs):
    return selectors.gold_dashboard(user=user, filters=DashboardFilters(world.month, **kwargs))


def pareto(user, world, **kwargs):
    return selectors.pareto_dashboard(user=user, filters=DashboardFilters(world.month, **kwargs))


def rows_by_manager(dash):
    return {r.manager.username: r for r in dash.managers if r.manager}


# --- the gold-card figures -------------------------------------------------------------------


def test_executive_sees_the_whole_gold_group(world, executive):
    dash = gold(executive, world)

    assert dash.active_gold == 3
    assert [n for _m, n in dash.trend] == [3] * 12
    rows = rows_by_manager(dash)
    mine, other = rows["manager1"], rows["manager2"]
    assert (mine.held, mine.cap, mine.due, mine.contacted, mine.rate) == (2, 10, 2, 1, 50.0)
    assert (mine.missed_month, mine.missed_6m, mine.credits) == (0, 1, Decimal("1000.00"))
    assert (other.held, other.due, other.contacted, other.rate) == (1, 1, 0, 0.0)
    assert (other.missed_month, other.missed_6m, other.credits) == (1, 1, Decimal("500.00"))
    assert (dash.due, dash.contacted, dash.rate) == (3, 1, 33.3)
    assert dash.overdue == 2  # 金二 and 金三; 金一 was contacted 3 days ago
    assert dash.credits_outstanding == Decimal("1500.00")
    assert dash.credits_customers == 2
    assert (dash.referrals_new, dash.referrals_total) == (1, 1)
    # the ¥50,000 machine was bought before 新客 was referred: not brought by 金一
    assert dash.referral_revenue_month == Decimal("100000.00")
    assert dash.referral_revenue_total == Decimal("100000.00")
    assert [(r.name, r.referred, r.revenue) for r in dash.referrers] == [
        ("金一", 1, Decimal("100000.00"))
    ]
    assert dash.referral_trend[-1].new == 1
    assert [c.missed for c in dash.compliance_trend][-2:] == [1, 1]


def test_manager_sees_only_his_own_figures(world, manager, other_manager):
    dash = gold(manager, world)

    assert dash.active_gold == 2
    assert [r.manager.username for r in dash.managers] == ["manager1"]
    assert (dash.due, dash.contacted) == (2, 1)
    assert dash.overdue == 1
    assert dash.credits_outstanding == Decimal("1000.00")
    assert dash.referrals_total == 1

    theirs = gold(other_manager, world)
    assert theirs.active_gold == 1
    assert [r.manager.username for r in theirs.managers] == ["manager2"]
    assert theirs.credits_outstanding == Decimal("500.00")
    # 金一's referral and 新客's purchases are never counted for another manager
    assert (theirs.referrals_total, theirs.referral_revenue_total) == (0, Decimal("0"))


def test_manager_cannot_reach_another_managers_figures_by_filter(world, manager, other_manager):
    dash = gold(manager, world, manager=other_manager.pk)

    assert dash.active_gold == 2  # the filter is ignored: his own figures only
    assert [r.manager.username for r in dash.managers] == ["manager1"]


def test_region_and_manager_filters_narrow_the_figures(world, executive, other_manager):
    south = gold(executive, world, region=world.south.pk)
    assert south.active_gold == 1
    assert [r.manager.username for r in south.managers] == ["manager2"]
    assert south.credits_outstanding == Decimal("500.00")

    theirs = gold(executive, world, manager=other_manager.pk)
    assert theirs.active_gold == 1 and theirs.due == 1 and theirs.referrals_total == 0


def test_trend_follows_issue_suspension_and_revocation(world, archivist, executive):
    # given: a card issued two months ago, suspended since last month's first day
    newer = CustomerFactory(name="金四", manager=world.gold1.manager)
    card = register(archivist, newer, issued_on=shift_month(world.month, -2))
    services.gold_card_suspend(actor=archivist, card=card, reason="欠款", on=days_ago(0))
    # when
    dash = gold(executive, world)
    # then: counted at the end of the months it was active, not now
    assert [n for _m, n in dash.trend][-4:] == [3, 4, 4, 3]
    assert dash.active_gold == 3


def test_manager_over_the_cap_is_flagged(world, archivist, manager, executive, settings):
    settings.DEALERCRM = {**settings.DEALERCRM, "GOLD_CARD_CAP_PER_MANAGER": 1}
    dash = gold(executive, world)
    rows = rows_by_manager(dash)
    assert rows["manager1"].over_cap and not rows["manager2"].over_cap


def test_managers_without_figures_are_listed_for_the_whole_group(world, executive):
    UserFactory(username="manager3", role="sales_manager")
    rows = rows_by_manager(gold(executive, world))
    assert rows["manager3"].held == 0 and rows["manager3"].rate is None


# --- the 80/20 figures --------------------------------------------------------------------------


def test_pareto_curve_tiers_grid_and_movement(world, executive):
    dash = pareto(executive, world)

    assert dash.customers == 5 and dash.contribution == Decimal("1000.00")
    assert [(p.customers, p.customers_pct, p.share_pct) for p in dash.curve] == [
        (1, 20.0, 50.0),
        (2, 40.0, 80.0),
        (3, 60.0, 90.0),
        (4, 80.0, 96.0),
        (5, 100.0, 100.0),
    ]
    assert dash.reach(80).customers == 2
    assert [(t.tier, t.customers, t.customers_pct, t.contribution_pct) for t in dash.tiers] == [
        ("A", 2, 40.0, 80.0),
        ("B", 1, 20.0, 10.0),
        ("C", 2, 40.0, 10.0),
    ]
    assert [(g.grid, g.customers) for g in dash.grid] == [
        ("EI", 1),
        ("EII", 1),
        ("EIII", 1),
        ("EIV", 2),
    ]
    assert dash.movement == {
        ("A", "A"): 1,
        ("B", "A"): 1,
        ("B", "B"): 1,
        ("B", "C"): 1,
        ("-", "C"): 1,
        ("C", "-"): 1,
    }


def test_pareto_measures_shares_against_the_positive_contributions(executive):
    # given: gross-profit tiering with a customer sold below cost (-300) and one who bought
    # nothing; positive contributions 800 + 200 = 1,000
    month, day = dt.date(2026, 10, 1), dt.date(2026, 6, 15)
    for name, total, cost in (("大利", "1000", "200"), ("小利", "300", "100")):
        PartsOrder.objects.create(
            customer=CustomerFactory(name=name),
            ordered_on=day,
            total=Decimal(total),
            cost_total=Decimal(cost),
        )
    loss = CustomerFactory(name="亏本")
    MachineFactory(
        customer=loss,
        source="from_us",
        purchase_price=Decimal("100"),
        purchase_cost=Decimal("400"),
        purchase_date=day,
    )
    CustomerFactory(name="未买")
    tiers_compute(actor=system_actor(), month=month, basis="gross_profit")
    assert TierSnapshot.objects.get(customer=loss).contribution == Decimal("-300.00")

    # when
    filters = DashboardFilters(month)
    dash = selectors.pareto_dashboard(user=executive, filters=filters)

    # then: the loss neither shrinks the total nor pushes a share past 100%
    assert dash.customers == 4 and dash.contribution == Decimal("1000.00")
    assert [(p.customers, p.share_pct) for p in dash.curve] == [
        (1, 80.0),
        (2, 100.0),
        (3, 100.0),
        (4, 100.0),
    ]
    assert dash.reach(80).customers == 1
    assert [(t.tier, t.customers, t.contribution, t.contribution_pct) for t in dash.tiers] == [
        ("A", 1, Decimal("800.00"), 80.0),
        ("B", 1, Decimal("200.00"), 20.0),
        ("C", 2, Decimal("0.00"), 0.0),
    ]
    assert sum(g.contribution for g in dash.grid) == dash.contribution
    # the tiers on the dashboard are the tiers tiering wrote
    written = dict(
        TierSnapshot.objects.filter(month=month)
        .values_list("tier")
        .annotate(n=Count("id"))
        .values_list("tier", "n")
    )
    assert {t.tier: t.customers for t in dash.tiers if t.customers} == written
    _kind, c_tier = selectors.drilldown(
        user=executive, filters=filters, drill=Drill(kind="tier", tier="C")
    )
    assert {s.customer.name for s in c_tier} == {"亏本", "未买"}


def test_a_merged_duplicate_is_not_counted(world, executive):
    # given: c6 (ranked only last month) and c5 (new, C) are merged into c4
    Customer.all_objects.filter(pk__in=[world.tiers["c5"].pk, world.tiers["c6"].pk]).update(
        merged_into=world.tiers["c4"], merged_at=timezone.now()
    )

    # when
    dash = pareto(executive, world)

    # then
    assert dash.customers == 4 and dash.contribution == Decimal("960.00")
    assert [(t.tier, t.customers) for t in dash.tiers] == [("A", 2), ("B", 1), ("C", 1)]
    assert ("-", "C") not in dash.movement and ("C", "-") not in dash.movement
    rows = selectors.drilldown(
        user=executive, filters=DashboardFilters(world.month), drill=Drill(kind="tier", tier="C")
    )[1]
    assert [s.customer for s in rows] == [world.tiers["c4"]]


def test_pareto_for_a_manager_is_his_customers_only(world, manager):
    dash = pareto(manager, world)

    assert dash.customers == 3
    assert [p.share_pct for p in dash.curve] == [55.6, 88.9, 100.0]
    assert [(t.tier, t.customers) for t in dash.tiers] == [("A", 2), ("B", 1), ("C", 0)]
    assert dash.movement == {("A", "A"): 1, ("B", "A"): 1, ("B", "B"): 1}


def test_movement_against_another_month(world, executive):
    dash = pareto(executive, world, compare=world.month)
    assert all(was == now for was, now in dash.movement)


def test_movement_stays_true_when_the_month_before_is_computed_later(executive):
    # given: 甲 bought only in the month (A now, C before), 乙 only 12 months before it (in
    # the month before's window, not the month's: A before, C now); the month is computed
    # first, the month before afterwards (a backfill)
    month = dt.date(2026, 10, 1)
    before = shift_month(month, -1)
    bought = {"甲": month, "乙": shift_month(month, -12), "丙": shift_month(month, -5)}
    customers = {}
    for name, on in bought.items():
        customers[name] = CustomerFactory(name=name)
        PartsOrder.objects.create(
            customer=customers[name],
            ordered_on=on + dt.timedelta(days=3),
            total=Decimal("100" if name == "丙" else "1000"),
        )
    tiers_compute(actor=system_actor(), month=month)
    assert set(
        TierSnapshot.objects.filter(month=month).values_list("previous_tier", flat=True)
    ) == {""}

    # when
    tiers_compute(actor=system_actor(), month=before)

    # then: the month's "tier before" is the recomputed month's, and the dashboard's movement
    # (read from it) is the one the lists find by joining the two months
    previous = dict(
        TierSnapshot.objects.filter(month=month).values_list("customer__name", "previous_tier")
    )
    assert previous == {"甲": "C", "乙": "A", "丙": "B"}
    filters = DashboardFilters(month)
    dash = selectors.pareto_dashboard(user=executive, filters=filters)
    assert dash.movement == {("C", "A"): 1, ("A", "C"): 1, ("B", "B"): 1}
    for (was, now), n in dash.movement.items():
        _kind, rows = selectors.drilldown(
            user=executive, filters=filters, drill=Drill(kind="move", was=was, now=now)
        )
        assert rows.count() == n


def test_whole_group_curve_read_from_the_ranking_equals_the_window(executive):
    # given: 150 ranked customers (the curve samples 100 of them), some who bought nothing;
    # then the top two, two in the middle and the last are merged into another
    month = dt.date(2026, 10, 1)
    customers = [CustomerFactory(name=f"客{i}") for i in range(150)]
    for i, customer in enumerate(customers):
        if i % 7:
            PartsOrder.objects.create(
                customer=customer,
                ordered_on=month + dt.timedelta(days=3),
                total=Decimal(1000 + 37 * i),
            )
    tiers_compute(actor=system_actor(), month=month)
    by_rank = list(
        TierSnapshot.objects.filter(month=month).order_by("rank").values_list("customer", flat=True)
    )
    merged = [by_rank[i] for i in (0, 1, 49, 50, 149)]
    Customer.all_objects.filter(pk__in=merged).update(
        merged_into_id=by_rank[10], merged_at=timezone.now()
    )
    filters = DashboardFilters(month)
    scoped = pareto_selectors.snapshots(executive, filters, month)

    # when
    dash = selectors.pareto_dashboard(user=executive, filters=filters)
    stored = pareto_selectors._running_from_ranking(month, dash.customers, dash.contribution)
    walked = pareto_selectors._running_by_window(scoped, dash.customers)

    # then: the same points, and they are the dashboard's
    assert dash.customers == 145 and stored is not None and len(stored) == 100
    assert [p for p, _run in stored] == [p for p, _run in walked]
    assert [run for _p, run in stored] == [pytest.approx(float(run)) for _p, run in walked]
    assert [p.share_pct for p in dash.curve] == [
        round(100 * float(run) / float(dash.contribution), 1) for _p, run in walked
    ]

    # and once a ranked customer is deleted (one who bought nothing: orders protect the
    # others), the ranks have a gap: the window counts them
    customers[7].delete()
    after = selectors.pareto_dashboard(user=executive, filters=filters)
    assert (
        pareto_selectors._running_from_ranking(month, after.customers, after.contribution) is None
    )
    walked = pareto_selectors._running_by_window(scoped, after.customers)
    assert [(p.customers, p.share_pct) for p in after.curve] == [
        (pos, round(100 * float(run) / float(after.contribution), 1)) for pos, run in walked
    ]


def test_pareto_positions_sample_one_point_per_percent():
    assert selectors.pareto_positions(3) == [1, 2, 3]
    points = selectors.pareto_positions(1000)
    assert len(points) == 100 and points[0] == 10 and points[-1] == 1000


# --- the lists behind the numbers agree with them -------------------------------------------------


@pytest.mark.parametrize("role", ["executive", "manager", "other_manager"])
def test_every_list_agrees_with_its_number(world, users, role):
    user = users[role]
    filters = DashboardFilters(world.month)
    dash = selectors.gold_dashboard(user=user, filters=filters)
    par = selectors.pareto_dashboard(user=user, filters=filters)

    def count(**kwargs):
        return selectors.drilldown(user=user, filters=filters, drill=Drill(**kwargs))[1].count()

    assert count(kind="gold") == dash.active_gold
    assert count(kind="overdue") == dash.overdue
    assert count(kind="at_risk") == dash.at_risk
    assert count(kind="at_risk_gold") == dash.at_risk_gold
    assert count(kind="credits") == dash.credits_customers
    assert count(kind="referred") == dash.referrals_total
    assert count(kind="referred_month") == dash.referrals_new
    assert count(kind="due") == dash.due
    assert count(kind="contacted") == dash.contacted
    assert count(kind="missed") == sum(r.missed_6m for r in dash.managers)
    for t in par.tiers:
        assert count(kind="tier", tier=t.tier) == t.customers
    for g in par.grid:
        assert count(kind="grid", grid=g.grid) == g.customers
    for (was, now), n in par.movement.items():
        assert count(kind="move", was=was, now=now) == n
    for p in par.curve:
        assert count(kind="top", top=p.customers) == p.customers
    referred = selectors.drilldown(user=user, filters=filters, drill=Drill(kind="referred"))[1]
    revenue = selectors.referred_revenue(user, filters, [c.pk for c in referred])
    assert sum(revenue.values(), Decimal(0)) == dash.referral_revenue_total


def test_list_page_shows_the_rows_behind_a_manager_number(client, world, executive, manager):
    client.force_login(executive)
    url = reverse("loyalty:dashboard_list")
    response = client.get(
        url, {"list": "due", "manager": manager.pk, "month": f"{world.month:%Y-%m}"}
    )
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2
    assert "金一" in response.text and "金二" in response.text and "金三" not in response.text


def test_manager_list_never_shows_another_managers_customer(client, world, manager):
    client.force_login(manager)
    response = client.get(reverse("loyalty:dashboard_list"), {"list": "overdue"})
    assert response.status_code == 200
    assert "金二" in response.text and "金三" not in response.text
    response = client.get(reverse("loyalty:dashboard_list"), {"list": "tier", "tier": "C"})
    assert response.context["page"].paginator.count == 0


# --- the pages ------------------------------------------------------------------------------------


def test_gold_page_links_every_number_to_its_list(client, world, executive):
    client.force_login(executive)
    response = client.get(reverse("loyalty:dashboard_gold"))
    assert response.status_code == 200
    html = response.text
    assert 'data-chart="chart-trend"' in html and 'id="chart-trend"' in html
    assert "list=overdue" in html and "list=due" in html and "list=missed" in html
    assert 'data-testid="table-managers"' in html and "<caption>" in html
    assert "vendor/chart.js/4.5.1/chart.umd.js" in html


def test_pareto_page_links_tiers_grid_and_moves(client, world, executive):
    client.force_login(executive)
    response = client.get(reverse("loyalty:dashboard_pareto"), {"month": f"{world.month:%Y-%m}"})
    assert response.status_code == 200
    html = response.text
    assert "list=tier" in html and "list=grid" in html and "list=move" in html
    assert "list=top" in html


def test_pareto_page_opens_on_the_newest_computed_month(client, world, executive):
    client.force_login(executive)
    response = client.get(reverse("loyalty:dashboard_pareto"))
    assert response.context["dash"].month == world.month


def test_bad_filters_are_a_form_error_not_a_500(client, world, executive, manager, other_manager):
    client.force_login(executive)
    response = client.get(
        reverse("loyalty:dashboard_gold"), {"month": "2026-13", "region": "999999", "manager": "x"}
    )
    assert response.status_code == 200
    assert "Enter a month as YYYY-MM" in response.text
    assert "Select a valid choice" in response.text
    assert response.context["dash"].filters.month == selectors.this_month()

    client.force_login(manager)
    response = client.get(reverse("loyalty:dashboard_gold"), {"manager": other_manager.pk})
    assert "Select a valid choice" in response.text
    assert response.context["dash"].active_gold == 2

    response = client.get(reverse("loyalty:dashboard_list"), {"list": "move", "was": "A"})
    assert response.status_code == 200
    assert "This list needs this value" in response.text


def test_month_out_of_range_is_refused(client, executive):
    client.force_login(executive)
    response = client.get(reverse("loyalty:dashboard_gold"), {"month": "0001-01"})
    assert response.status_code == 200
    assert "Choose a month between" in response.text


def test_filters_stay_in_the_links(client, world, executive):
    client.force_login(executive)
    response = client.get(
        reverse("loyalty:dashboard_gold"),
        {"month": f"{world.month:%Y-%m}", "region": world.north.pk},
    )
    assert f"region={world.north.pk}" in response.context["links"]["gold"]
    assert f"month={world.month:%Y-%m}" in response.context["links"]["gold"]
    assert response.context["dash"].active_gold == 2


def test_monthly_report_is_printable(client, world, executive):
    client.force_login(executive)
    response = client.get(reverse("loyalty:dashboard_report"))
    assert response.status_code == 200
    html = response.text
    assert "data-print" in html and "css/dashboard.css" in html
    assert "新客" in html  # referred this month
    assert "层c2" in html  # moved B → A


# --- exports ----------------------------------------------------------------------------------


def test_manager_table_exports_to_xlsx_with_the_numbers(client, world, executive):
    client.force_login(executive)
    response = client.get(
        reverse("loyalty:dashboard_gold"),
        {"month": f"{world.month:%Y-%m}", "export": "xlsx", "table": "managers"},
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == (
        "Sales manager",
        "Gold customers",
        "Cap",
        "Due",
        "Contacted",
        "Compliance (%)",
    )
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["张伟"][1:7] == (2, 10, 2, 1, 50.0, 1)
    assert by_name["李强"][1:7] == (1, 10, 1, 0, 0.0, 1)
    assert SecurityEvent.objects.filter(kind="export").count() == 1


def test_pareto_tables_export_to_csv(client, world, executive):
    client.force_login(executive)
    for table, first in (("tiers", ["A", "2"]), ("movement", ["A", "1", "0", "0", "0"])):
        response = client.get(
            reverse("loyalty:dashboard_pareto"),
            {"month": f"{world.month:%Y-%m}", "export": "csv", "table": table},
        )
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[1][: len(first)] == first


def test_list_exports_every_row_with_the_filters(client, world, executive):
    client.force_login(executive)
    response = client.get(
        reverse("loyalty:dashboard_list"),
        {"list": "gold", "region": world.north.pk, "export": "xlsx"},
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert sorted(r[0] for r in rows[1:]) == ["金一", "金二"]


def test_manager_export_holds_only_his_rows(client, world, manager):
    client.force_login(manager)
    response = client.get(reverse("loyalty:dashboard_list"), {"list": "credits", "export": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["金一"]
    assert rows[1][-1] == "1000.00"


def test_invalid_filters_export_nothing(client, world, executive):
    client.force_login(executive)
    response = client.get(
        reverse("loyalty:dashboard_gold"), {"month": "bad", "export": "csv", "table": "trend"}
    )
    assert response["Content-Type"].startswith("text/html")


# --- permissions and query counts ---------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("executive", 200),
        ("archivist", 200),
        ("manager", 200),
        ("service", 403),
        ("outsider", 403),
    ],
)
@pytest.mark.parametrize(
    "name",
    ["loyalty:dashboard_gold", "loyalty:dashboard_pareto", "loyalty:dashboard_report"],
)
def test_who_may_open_the_dashboards(client, users, role, code, name):
    client.force_login(users[role])
    assert client.get(reverse(name)).status_code == code


def test_anonymous_goes_to_login(client):
    response = client.get(reverse("loyalty:dashboard_gold"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def _queries(client, django_assert_max_num_queries, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse(name)).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("name", ["loyalty:dashboard_gold", "loyalty:dashboard_pareto"])
def test_query_count_does_not_grow_with_managers_or_customers(
    client, world, archivist, executive, name, django_assert_max_num_queries
):
    client.force_login(executive)
    before = _queries(client, django_assert_max_num_queries, name)
    # given: three more managers, each with gold customers, reminders and tiers
    for i in range(3):
        boss = UserFactory(username=f"extra{i}", role="sales_manager")
        for j in range(3):
            c = CustomerFactory(name=f"加{i}{j}", manager=boss)
            register(archivist, c, issued_on=days_ago(100))
            reminder(c, boss, world.month, "satisfied")
            rank = 10 + 3 * i + j
            snap(c, world.month, 10, rank, "C", "EIV")
            snap(c, shift_month(world.month, -1), 20, rank, "B", "EIII")
    with django_assert_max_num_queries(before):
        assert client.get(reverse(name)).status_code == 200
    assert before <= 40
