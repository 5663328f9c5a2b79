"""Phone-first (issue 18): every role's pages fit a phone, and a call is logged in three taps.

Each role visits the pages of its own menu plus a dossier, a detail of each kind and each
form, at 390×844 (and 768×1024); no page may scroll sideways and no control may sit under
another. A screenshot of each role's home at phone and desktop size is written to
test-artifacts/screenshots/ for people to look at.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.urls import reverse

from contacts.models import Reminder, Submission
from tests.browser.conftest import ARTIFACTS, login
from tests.factories import (
    ContactLogFactory,
    CustomerFactory,
    DuplicateCandidateFactory,
    MachineFactory,
    MonthlyReportFactory,
    PartsOrderFactory,
    PhoneFactory,
    ServiceRecordFactory,
    SubmissionFactory,
)
from tests.loyalty.helpers import register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1366, "height": 900}
SCREENSHOTS = ARTIFACTS / "screenshots"

# Measures the page in the browser: its width against the screen, every visible control
# that another element covers at its centre, controls smaller than a finger (44 px), and
# date or time fields that are not the browser's own date/time inputs.
MEASURE = """() => {
  const controls = "a[href], button, input:not([type=hidden]), select, textarea, summary, "
    + "label[for]";
  const covered = [], small = [];
  for (const el of document.querySelectorAll(controls)) {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (box.width < 2 || box.height < 2 || style.visibility === "hidden" || style.opacity === "0"
        || style.pointerEvents === "none" || el.closest("[hidden], template")
        || !el.checkVisibility({contentVisibilityAuto: true})) continue;
    el.scrollIntoView({block: "center", inline: "center"});
    // a link broken over two lines: the centre of its first line, not of the whole box
    const r = el.getClientRects()[0] || el.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const hit = document.elementFromPoint(x, y);
    const ok = hit && (hit === el || el.contains(hit)
                       || (el.tagName === "LABEL" && hit.control === el.control)
                       || (el.labels && [...el.labels].some(l => l.contains(hit))));
    const name = el.tagName + " "
      + (el.getAttribute("href") || el.name || el.textContent.trim().slice(0, 20));
    if (!ok) covered.push(name + " under " + (hit ? hit.tagName + "." + hit.className : "nothing"));
    const block = el.matches(
      "button, select, summary, .button, input:not([type=checkbox]):not([type=radio])");
    if (block && r.height < 44) small.push(name + " " + Math.round(r.height) + "px");
  }
  window.scrollTo(0, 0);
  // what sticks out: the innermost elements whose right edge passes the screen's
  const out = e => e.getBoundingClientRect().right > window.innerWidth + 1;
  const wide = [...document.querySelectorAll("body *")]
    .filter(e => out(e) && ![...e.children].some(out))
    .slice(0, 3)
    .map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right));
  // date and time fields typed by hand instead of the phone's own picker
  const typed = [...document.querySelectorAll("input[type=text], input:not([type])")]
    .map(e => e.name).filter(n => /(_on|_at|^on|date)$/.test(n));
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
          covered, small, wide, typed};
}"""


def _world(users):
    """One row of every kind a page shows, owned by the manager where ownership matters."""
    manager, archivist = users["manager"], users["archivist"]
    customer = CustomerFactory(name="刘文才", manager=manager)
    PhoneFactory(customer=customer, raw="13800138000")
    machine = MachineFactory(customer=customer)
    ContactLogFactory(customer=customer)
    submission = SubmissionFactory(customer=customer)
    report = MonthlyReportFactory(manager=manager)
    record = ServiceRecordFactory(customer=customer, machine=machine)
    order = PartsOrderFactory(customer=customer)
    card = register(archivist, customer)
    pair = DuplicateCandidateFactory(
        low=CustomerFactory(name="王振海", manager=manager),
        high=CustomerFactory(name="王镇海", manager=manager),
    )
    Reminder.objects.create(
        kind=Reminder.Kind.GOLD_CONTACT,
        customer=customer,
        manager=manager,
        period=submission.occurred_at.date().replace(day=1),
        due_on=submission.occurred_at.date(),
    )
    return {
        "customer": customer,
        "details": [
            customer.get_absolute_url(),
            reverse("contacts:submission_detail", args=[submission.pk]),
            reverse("contacts:submission_file", args=[submission.pk]),
            reverse("contacts:monthly_detail", args=[report.pk]),
            reverse("service:record_detail", args=[record.pk]),
            reverse("service:machine_readings", args=[machine.pk]),
            reverse("parts:order_detail", args=[order.pk]),
            reverse("loyalty:card_detail", args=[card.pk]),
            reverse("loyalty:ledger", args=[customer.pk]),
            reverse("loyalty:referral_tree", args=[customer.pk]),
            reverse("customers:duplicate_detail", args=[pair.pk]),
            reverse("contacts:customer_logs", args=[customer.pk]),
            reverse("loyalty:dashboard_pareto"),
            reverse("loyalty:dashboard_list"),
            reverse("loyalty:ranking"),
            # forms
            reverse("contacts:submit"),
            reverse("customers:create"),
            reverse("customers:update", args=[customer.pk]),
            reverse("customers:row_create", args=[customer.pk, "phones"]),
            reverse("contacts:log_create", args=[customer.pk]),
            reverse("service:record_create", args=[customer.pk]),
            reverse("parts:order_create", args=[customer.pk]),
            reverse("loyalty:referral_create"),
            reverse("loyalty:redeem", args=[customer.pk]),
            reverse("customers:import_list"),
            reverse("customers:merge_list"),
        ],
    }


def _menu_links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all(".mainnav a[href]", "els => els.map(e => e.href)")
    return [urlparse(h).path for h in hrefs if h.startswith(base) and "/admin/" not in h]


ROLES = ["manager", "archivist", "service", "executive"]


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["390x844", "768x1024"])
def test_every_page_of_every_role_fits_the_screen(page, live_server, users, viewport):
    # given
    world = _world(users)
    page.set_viewport_size(viewport)
    problems: list[str] = []
    visited = 0
    for role in ROLES:
        login(page, live_server, users[role].username)
        paths = dict.fromkeys(["/", *_menu_links(page, live_server.url), *world["details"]])
        # when: each page the role may open (pages it may not answer 403/404 and are skipped)
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            if response is None or response.status != 200:
                continue
            visited += 1
            measured = page.evaluate(MEASURE)
            # then
            if measured["scrollWidth"] > measured["innerWidth"]:
                problems.append(
                    f"{role} {path}: {measured['scrollWidth']}px wide on a "
                    f"{measured['innerWidth']}px screen ({', '.join(measured['wide'])})"
                )
            problems += [f"{role} {path}: covered {c}" for c in measured["covered"]]
            problems += [f"{role} {path}: date typed as text {n}" for n in measured["typed"]]
            if viewport == PHONE:
                problems += [f"{role} {path}: small {s}" for s in measured["small"]]
        page.context.clear_cookies()
    assert visited > 60
    assert not problems, "\n".join(problems)


def test_the_phone_menu_opens_behind_one_button_and_reaches_every_group(page, live_server, users):
    # given
    _world(users)
    page.set_viewport_size(PHONE)
    login(page, live_server, users["archivist"].username)
    # then: closed, the menu takes one line; the links are hidden behind the button
    assert page.locator("[data-testid=nav-duplicates]").is_hidden()
    assert page.locator("header.topbar").bounding_box()["height"] <= 64
    # when
    page.click("[data-testid=nav-menu]")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "menu-archivist-phone.png"))
    # then: every link is one tap away, no group needs opening
    page.click("[data-testid=nav-duplicates]")
    page.wait_for_url("**/customers/duplicates/")


def test_role_homes_at_phone_and_desktop_size_are_written_for_people_to_look_at(
    page, live_server, users
):
    _world(users)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for role in ROLES:
        login(page, live_server, users[role].username)
        for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(viewport)
            page.goto(f"{live_server.url}/")
            path = SCREENSHOTS / f"home-{role}-{name}.png"
            page.screenshot(path=str(path), full_page=True)
            assert path.stat().st_size > 0
        page.context.clear_cookies()


def test_manager_home_shows_gold_to_contact_and_report_on_the_first_phone_screen(
    page, live_server, users
):
    # given
    world = _world(users)
    page.set_viewport_size(PHONE)
    # when
    login(page, live_server, users["manager"].username)
    # then
    gold_row = page.locator("[data-testid=gold-table] tr", has_text=world["customer"].name)
    report = page.locator("#gold a.button.primary")
    for element in (gold_row, report):
        box = element.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"]


def test_manager_calls_from_a_home_reminder_and_logs_the_call_in_three_taps(
    page, live_server, users
):
    # given: an open reminder for a gold customer with a phone
    world = _world(users)
    customer = world["customer"]
    page.set_viewport_size(PHONE)
    login(page, live_server, users["manager"].username)
    taps = 0
    # when: tap 1, the number in the reminder
    # the test browser has no dialer: a tel: link would leave headless Chromium waiting
    # for an external application, so the tap reaches the page but goes no further
    page.evaluate(
        "window.addEventListener('click', e => { if (e.target.closest('a[href^=\"tel:\"]')) "
        "e.preventDefault(); })"
    )
    page.click("[data-testid=home-reminders] a[href^='tel:']")
    taps += 1
    # tap 2: the page offers 记录这次通话
    page.click("[data-testid=log-this-call]")
    taps += 1
    page.wait_for_url("**/contacts/submit/**")
    # then: customer, number, channel and time are filled in, the note has the focus
    assert page.input_value("#id_customer_id") == str(customer.pk)
    assert "13800138000" in page.locator("[data-testid=called]").inner_text()
    assert page.input_value("#id_channel") == "phone"
    assert page.input_value("#id_occurred_at") != ""
    assert page.evaluate("document.activeElement.id") == "id_summary"
    # the note, then tap 3: send
    page.keyboard.type("客户说下周来看新机")
    page.click("button[type=submit].primary")
    taps += 1
    page.wait_for_url("**/contacts/submissions/*/")
    sent = Submission.objects.filter(customer=customer, summary="客户说下周来看新机").get()
    assert sent.channel == "phone" and sent.author == users["manager"]
    assert taps <= 3
    assert page.console_errors == []


def test_numeric_headers_sit_over_their_figures_on_the_compliance_table(page, live_server, users):
    # given: one manager with a gold reminder this month
    _world(users)
    page.set_viewport_size(DESKTOP)
    login(page, live_server, users["executive"].username)
    # when
    page.goto(f"{live_server.url}{reverse('contacts:compliance')}")
    # then: each numeric column's header ends where its figures end (both right-aligned)
    edges = page.evaluate(
        """() => {
          const table = document.querySelector("[data-testid=compliance-table]");
          const heads = [...table.querySelectorAll("thead th")];
          const cells = [...table.querySelectorAll("tbody tr:first-child td")];
          const right = el => {
            const range = document.createRange();
            range.selectNodeContents(el);
            return Math.round(range.getBoundingClientRect().right);
          };
          return cells.map((td, i) => td.classList.contains("num")
            ? [heads[i].textContent, right(heads[i]), right(td)] : null).filter(Boolean);
        }"""
    )
    assert len(edges) == 5
    for header, head_right, cell_right in edges:
        assert abs(head_right - cell_right) <= 2, (header, head_right, cell_right)
