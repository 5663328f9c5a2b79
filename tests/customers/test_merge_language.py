"""Issue 17 part 4: the merge as the archivist reads it, undo asked for, and the queue as it
was after an undo."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.matching.merge import customer_merge, merge_undo, moves_sentence
from customers.matching.refresh import duplicates_refresh
from customers.models import Customer, DuplicateCandidate, MergeRecord
from tests.factories import ContactLogFactory, CustomerFactory, MachineFactory, PhoneFactory

pytestmark = pytest.mark.django_db

VILLAGE = {"province": "山东省", "city": "临沂市", "county": "沂南县", "address": "青驼镇刘家庄村"}


def _open_pairs() -> set[tuple[int, int, str]]:
    return set(
        DuplicateCandidate.objects.filter(status=DuplicateCandidate.Status.OPEN).values_list(
            "low_id", "high_id", "kind"
        )
    )


def test_undo_puts_back_every_pair_of_the_restored_customer(archivist):
    people = []
    for name, phone in [
        ("刘文才", "13853991234"),
        ("刘文财", "138-5399-1234"),
        ("劉文才", "+86 138 5399 1234"),
        ("刘稳材", "13853991234"),
    ]:
        customer = CustomerFactory(name=name, **VILLAGE)
        PhoneFactory(customer=customer, raw=phone)
        people.append(customer)
    duplicates_refresh(actor=archivist, full=True)
    before = _open_pairs()
    kept, gone = people[0], people[1]
    involving = {p for p in before if gone.pk in p[:2]}
    assert len(involving) >= 2  # the merged pair and at least one other
    pair = DuplicateCandidate.objects.get(low=min(kept.pk, gone.pk), high=max(kept.pk, gone.pk))
    record = customer_merge(actor=archivist, survivor=kept, loser=gone, candidate=pair)
    assert not {p for p in _open_pairs() if gone.pk in p[:2]}
    merge_undo(actor=archivist, record=record)
    assert _open_pairs() == before


def test_the_merge_record_says_what_moved_in_her_words(client, archivist):
    kept = CustomerFactory(name="刘文才")
    gone = CustomerFactory(name="刘文财")
    for raw in ("13853991234", "15953962287", "13905390000"):
        PhoneFactory(customer=gone, raw=raw)
    MachineFactory(customer=gone)
    MachineFactory(customer=gone)
    for _ in range(4):
        ContactLogFactory(customer=gone)
    record = customer_merge(actor=archivist, survivor=kept, loser=gone)
    client.force_login(archivist)
    page = client.get(record.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Historical" not in page and "customers." not in page
    sentence = moves_sentence(record.moved_by_model(), kept.name)
    assert sentence in page
    assert "3" in sentence and "2" in sentence and "4" in sentence and "刘文才" in sentence
    assert "history" not in sentence.lower() and "历史" not in sentence


def test_undo_asks_for_confirmation(client, archivist):
    kept = CustomerFactory(name="刘文才")
    gone = CustomerFactory(name="刘文财")
    record = customer_merge(actor=archivist, survivor=kept, loser=gone)
    client.force_login(archivist)
    page = client.get(record.get_absolute_url()).content.decode()
    assert 'name="confirm"' in page
    url = reverse("customers:merge_undo", args=[record.pk])
    assert client.post(url).status_code == 302
    record.refresh_from_db()
    assert record.status == MergeRecord.Status.DONE
    assert not Customer.objects.filter(pk=gone.pk).exists()
    assert client.post(url, {"confirm": "1"}).status_code == 302
    record.refresh_from_db()
    assert record.status == MergeRecord.Status.UNDONE
    assert Customer.objects.filter(pk=gone.pk).exists()
