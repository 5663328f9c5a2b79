"""The review queue in the browser: pairs best first, two dossiers side by side with their
related-record counts, and merge / not a duplicate / relatives / undo."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.models import Customer, CustomerRelation, DuplicateCandidate, MergeRecord
from tests.factories import (
    ContactLogFactory,
    CustomerFactory,
    DuplicateCandidateFactory,
    PhoneFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidate(manager):
    low = CustomerFactory(name="刘文才", manager=manager, address="青驼镇刘家庄村3组")
    high = CustomerFactory(name="刘文财", manager=manager, address="", notes="电话报备")
    PhoneFactory(customer=low, raw="13853991234")
    PhoneFactory(customer=high, raw="138-5399-1234")
    ContactLogFactory(customer=high)
    ContactLogFactory(customer=high)
    return DuplicateCandidateFactory(low=low, high=high, score=0.97)


def test_the_queue_lists_pairs_best_first_with_their_reasons(client, archivist, candidate):
    weaker = DuplicateCandidateFactory(score=0.6)
    DuplicateCandidateFactory(score=0.99, status="dismissed")
    client.force_login(archivist)
    response = client.get(reverse("customers:duplicate_list"))
    assert response.status_code == 200
    pairs = list(response.context["page"].object_list)
    assert pairs == [candidate, weaker]
    assert "138 5399 1234" in response.content.decode()


def test_the_queue_is_filterable(client, archivist, candidate):
    relatives = DuplicateCandidateFactory(
        low=CustomerFactory(name="王振海"),
        high=CustomerFactory(name="王镇海"),
        score=0.2,
        kind="relatives",
    )
    client.force_login(archivist)
    url = reverse("customers:duplicate_list")
    assert list(client.get(url, {"kind": "relatives"}).context["page"].object_list) == [relatives]
    assert list(client.get(url, {"min_score": "0.9"}).context["page"].object_list) == [candidate]
    assert list(client.get(url, {"q": "lwc"}).context["page"].object_list) == [candidate]
    dismissed = client.get(url, {"status": "dismissed"}).context["page"].object_list
    assert list(dismissed) == []


def test_the_pair_page_shows_both_dossiers_side_by_side(client, archivist, candidate):
    client.force_login(archivist)
    response = client.get(candidate.get_absolute_url())
    assert response.status_code == 200
    view = response.context["view"]
    # the fuller dossier (two contact logs) is proposed as the one to keep
    assert view.left == candidate.high and view.right == candidate.low
    assert sorted(n for _, n in view.left_counts) == [1, 2]  # a phone, two contact logs
    assert [n for _, n in view.right_counts] == [1]
    differing = {row.name for row in view.rows if row.differs}
    assert {"name", "address", "notes"} <= differing
    # the dry run says what would move
    assert response.context["plan"] is not None
    swapped = client.get(candidate.get_absolute_url(), {"keep": candidate.low_id})
    assert swapped.context["view"].left == candidate.low


def test_the_archivist_merges_choosing_values_field_by_field(client, archivist, candidate):
    client.force_login(archivist)
    response = client.post(
        reverse("customers:duplicate_merge", args=[candidate.pk]),
        {"survivor": candidate.low_id, "choice_name": "survivor", "choice_notes": "loser"},
    )
    record = MergeRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == record.get_absolute_url()
    kept = Customer.objects.get(pk=candidate.low_id)
    assert kept.notes == "电话报备"
    assert kept.contact_logs.count() == 2
    assert Customer.all_objects.get(pk=candidate.high_id).merged_into_id == kept.pk
    page = client.get(record.get_absolute_url())
    assert page.status_code == 200
    # and undoes it
    response = client.post(reverse("customers:merge_undo", args=[record.pk]), {"confirm": "1"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == "undone"
    assert Customer.objects.filter(pk=candidate.high_id).exists()
    assert client.get(reverse("customers:merge_list")).status_code == 200


def test_a_merge_without_choosing_whom_to_keep_changes_nothing(client, archivist, candidate):
    client.force_login(archivist)
    response = client.post(reverse("customers:duplicate_merge", args=[candidate.pk]), {})
    assert response.status_code == 302
    assert response["Location"] == candidate.get_absolute_url()
    assert not MergeRecord.objects.exists()


def test_not_a_duplicate_and_relatives(client, archivist, candidate):
    client.force_login(archivist)
    other = DuplicateCandidateFactory()
    client.post(reverse("customers:duplicate_dismiss", args=[candidate.pk]), {"note": "两个人"})
    client.post(reverse("customers:duplicate_relate", args=[other.pk]), {"note": "兄弟"})
    candidate.refresh_from_db()
    other.refresh_from_db()
    assert candidate.status == "dismissed" and candidate.note == "两个人"
    assert candidate.decided_by == archivist
    assert other.status == "related"
    assert CustomerRelation.objects.get().note == "兄弟"
    # deciding twice is refused with a message, not an error page
    response = client.post(reverse("customers:duplicate_dismiss", args=[candidate.pk]))
    assert response.status_code == 302
    assert DuplicateCandidate.objects.get(pk=candidate.pk).status == "dismissed"


def test_the_nav_shows_the_queue_to_the_archivist_only(client, archivist, manager):
    client.force_login(archivist)
    assert 'data-testid="nav-duplicates"' in client.get(reverse("home")).content.decode()
    client.force_login(manager)
    assert 'data-testid="nav-duplicates"' not in client.get(reverse("home")).content.decode()
