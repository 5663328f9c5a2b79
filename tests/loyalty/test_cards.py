"""loyalty.services: registration (金卡客户登记表), card states, the cap of 10 gold customers
per manager, the discount only for active cards, and the archivist-only rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from customers import services as customer_services
from customers.models import Customer
from dealercrm.money import gold_discount_rate
from loyalty import services
from loyalty.models import GoldCard, GoldCardEvent, LedgerEntry
from parts import services as parts_services
from tests.factories import CustomerFactory
from tests.loyalty.helpers import TRAITS, days_ago, register

pytestmark = pytest.mark.django_db


def nothing_written() -> bool:
    return not GoldCard.objects.exists() and not GoldCardEvent.objects.exists()


def test_registration_records_traits_manager_and_card(archivist, manager):
    # given: a customer without a manager yet
    customer = CustomerFactory(name="孙大圣")

    # when
    card = register(archivist, customer, manager=manager, note="区域里最早做土方的")

    # then
    customer.refresh_from_db()
    assert customer.is_gold_card and customer.manager == manager
    assert card.state == GoldCard.State.ACTIVE and card.issued_by == archivist
    assert card.traits == TRAITS
    assert card.number.startswith("JK") and len(card.number) == 10
    assert [e.kind for e in card.events.all()] == ["issued"]
    # the dossier's history records who made him gold
    latest = customer.history.latest()
    assert latest.is_gold_card and latest.history_user == archivist
    # the manager can now read him (guardian permission follows the assignment)
    assert manager.has_perm("customers.view_customer", customer)


def test_card_numbers_follow_in_sequence(archivist, manager):
    first = register(archivist, CustomerFactory(manager=manager))
    second = register(archivist, CustomerFactory(manager=manager))
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1


def test_a_duplicate_card_number_is_refused_and_nothing_written(archivist, manager):
    register(archivist, CustomerFactory(manager=manager), number="VIP-001")
    other = CustomerFactory(manager=manager)

    with pytest.raises(ValidationError) as exc:
        register(archivist, other, number="vip-001")

    assert "VIP-001" in exc.value.message_dict["number"][0]
    other.refresh_from_db()
    assert not other.is_gold_card and GoldCard.objects.count() == 1


@pytest.mark.parametrize(
    ("traits", "message"),
    [
        ({"early": "入行早"}, "at least 2"),
        ({"early": "入行早", "trust": "  "}, "evidence"),
        ({"early": "x", "flying": "y"}, "Unknown"),
    ],
)
def test_registration_needs_two_traits_with_evidence(archivist, customer, traits, message):
    with pytest.raises(ValidationError) as exc:
        register(archivist, customer, traits=traits)
    assert message in str(exc.value)
    customer.refresh_from_db()
    assert not customer.is_gold_card and nothing_written()


def test_a_key_account_is_never_registered(archivist, manager):
    big = CustomerFactory(name="山东路桥集团", manager=manager, is_key_account=True)
    with pytest.raises(ValidationError, match="key account"):
        register(archivist, big)
    assert nothing_written()


def test_a_customer_holds_one_live_card(archivist, customer):
    register(archivist, customer)
    with pytest.raises(ValidationError, match="already holds card"):
        register(archivist, customer)
    assert GoldCard.objects.count() == 1


def test_the_responsible_manager_is_required(archivist):
    customer = CustomerFactory()
    with pytest.raises(ValidationError) as exc:
        services.gold_card_register(actor=archivist, customer=customer, manager=None, traits=TRAITS)
    assert "manager" in exc.value.message_dict
    assert nothing_written()


# --- the cap of 10 ------------------------------------------------------------------------


def test_the_eleventh_gold_customer_of_a_manager_is_refused(archivist, manager, settings):
    # given: ten gold customers
    for _ in range(10):
        register(archivist, CustomerFactory(manager=manager))
    eleventh = CustomerFactory(name="第十一位")

    # when / then: a clear message, nothing written
    with pytest.raises(ValidationError) as exc:
        register(archivist, eleventh, manager=manager)
    message = exc.value.message_dict["manager"][0]
    assert "10" in message and "limit" in message
    eleventh.refresh_from_db()
    assert not eleventh.is_gold_card and eleventh.manager is None
    assert GoldCard.objects.count() == 10
    assert Customer.objects.filter(manager=manager, is_gold_card=True).count() == 10


def test_the_cap_is_a_setting(archivist, manager, settings):
    settings.DEALERCRM = {**settings.DEALERCRM, "GOLD_CARD_CAP_PER_MANAGER": 1}
    register(archivist, CustomerFactory(manager=manager))
    with pytest.raises(ValidationError, match="limit is 1"):
        register(archivist, CustomerFactory(manager=manager))


def test_reassigning_a_gold_customer_to_a_full_manager_is_refused(
    archivist, manager, other_manager, settings
):
    settings.DEALERCRM = {**settings.DEALERCRM, "GOLD_CARD_CAP_PER_MANAGER": 2}
    for _ in range(2):
        register(archivist, CustomerFactory(manager=other_manager))
    mine = CustomerFactory(manager=manager)
    register(archivist, mine)

    with pytest.raises(ValidationError, match="limit is 2"):
        customer_services.customer_update(
            actor=archivist, customer=mine, data={"manager": other_manager}
        )
    mine.refresh_from_db()
    assert mine.manager == manager


def test_suspended_cards_free_a_place_and_reactivating_needs_one(archivist, manager, settings):
    settings.DEALERCRM = {**settings.DEALERCRM, "GOLD_CARD_CAP_PER_MANAGER": 1}
    first = register(archivist, CustomerFactory(manager=manager))
    services.gold_card_suspend(actor=archivist, card=first, reason="欠款")
    register(archivist, CustomerFactory(manager=manager))  # the freed place

    with pytest.raises(ValidationError, match="limit is 1"):
        services.gold_card_reactivate(actor=archivist, card=first, reason="已还款")
    first.refresh_from_db()
    assert first.state == GoldCard.State.SUSPENDED
    assert [e.kind for e in first.events.all()] == ["issued", "suspended"]


# --- states ---------------------------------------------------------------------------------


def test_suspend_reactivate_revoke_keep_the_flag_and_history_in_step(archivist, customer):
    card = register(archivist, customer, issued_on=days_ago(60))

    services.gold_card_suspend(actor=archivist, card=card, reason="拖欠配件款", on=days_ago(30))
    customer.refresh_from_db()
    assert not customer.is_gold_card

    services.gold_card_reactivate(actor=archivist, card=card, reason="已结清", on=days_ago(20))
    customer.refresh_from_db()
    assert customer.is_gold_card

    services.gold_card_revoke(actor=archivist, card=card, reason="转投别家代理商")
    card.refresh_from_db()
    customer.refresh_from_db()
    assert card.state == GoldCard.State.REVOKED and card.revoked_on is not None
    assert not customer.is_gold_card
    events = list(card.events.values_list("kind", "reason"))
    assert events == [
        ("issued", ""),
        ("suspended", "拖欠配件款"),
        ("reactivated", "已结清"),
        ("revoked", "转投别家代理商"),
    ]
    # a revoked card is history: a new registration issues a new card
    again = register(archivist, customer)
    assert again.number != card.number


@pytest.mark.parametrize(
    ("action", "reason", "message"),
    [
        ("reactivate", "x", "cannot be"),  # not suspended
        ("suspend", " ", "reason"),
    ],
)
def test_state_changes_are_checked(archivist, customer, action, reason, message):
    card = register(archivist, customer)
    with pytest.raises(ValidationError, match=message):
        services.CARD_ACTIONS[action](actor=archivist, card=card, reason=reason)
    assert card.events.count() == 1


def test_a_state_change_cannot_predate_the_last_one(archivist, customer):
    card = register(archivist, customer, issued_on=days_ago(5))
    with pytest.raises(ValidationError, match="before"):
        services.gold_card_suspend(actor=archivist, card=card, reason="x", on=days_ago(6))


# --- the discount only for active cards -------------------------------------------------------

LINE = {"name": "机油滤芯", "category": "filter", "quantity": "2", "unit_price": "100.00"}


def order_discount(archivist, customer) -> Decimal:
    customer.refresh_from_db()
    order = parts_services.parts_order_create(
        actor=archivist, customer=customer, data={"ordered_on": days_ago(0)}, lines=[LINE]
    )
    return order.discount_amount


def test_the_5_percent_discount_only_while_the_card_is_active(archivist, customer):
    assert gold_discount_rate(customer) == 0
    assert order_discount(archivist, customer) == Decimal("0.00")

    card = register(archivist, customer)
    customer.refresh_from_db()
    assert gold_discount_rate(customer) == Decimal("0.05")
    assert order_discount(archivist, customer) == Decimal("10.00")

    services.gold_card_suspend(actor=archivist, card=card, reason="暂停")
    assert order_discount(archivist, customer) == Decimal("0.00")

    services.gold_card_reactivate(actor=archivist, card=card, reason="恢复")
    assert order_discount(archivist, customer) == Decimal("10.00")

    services.gold_card_revoke(actor=archivist, card=card, reason="取消")
    assert order_discount(archivist, customer) == Decimal("0.00")


# --- roles --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "service_user", "executive", "outsider"])
def test_only_the_archivist_registers_and_changes_cards(request, archivist, customer, role):
    actor = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        register(actor, customer)
    card = register(archivist, customer)
    for change in services.CARD_ACTIONS.values():
        with pytest.raises(PermissionDenied):
            change(actor=actor, card=card, reason="x")
    with pytest.raises(PermissionDenied):
        services.traits_set(actor=actor, customer=customer, ticks={})
    with pytest.raises(PermissionDenied):
        services.credits_sync(actor=actor, customer=customer)
    assert card.events.count() == 1 and not LedgerEntry.objects.exists()


def test_the_system_actor_syncs_credits_but_registers_nothing(customer):
    from dealercrm.jobs import system_actor

    actor = system_actor()
    assert services.credits_sync(actor=actor, customer=customer) == 0
    with pytest.raises(PermissionDenied):
        register(actor, customer)


# --- ticked traits -----------------------------------------------------------------------------


def test_ticked_traits_need_a_note_and_replace_the_previous_ticks(archivist, customer):
    services.traits_set(
        actor=archivist, customer=customer, ticks={"influential": "镇上的土方带头人"}
    )
    services.traits_set(actor=archivist, customer=customer, ticks={"potential": "儿子接班了"})
    assert list(customer.gold_traits.values_list("trait", "note")) == [("potential", "儿子接班了")]
    with pytest.raises(ValidationError, match="note"):
        services.traits_set(actor=archivist, customer=customer, ticks={"trust": ""})
    assert customer.gold_traits.count() == 1
