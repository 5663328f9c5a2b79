"""The grouped menu (issue 18): each role sees only groups holding links it may use."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

GROUP = re.compile(
    r'<details class="navgroup"[^>]*data-testid="(navgroup-\w+)">(.*?)</details>', re.S
)


def _groups(client, user):
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    return {name: re.findall(r'<a [^>]*href="([^"]+)"', body) for name, body in GROUP.findall(html)}


@pytest.mark.parametrize("role", ["archivist", "manager", "service", "executive", "outsider"])
def test_every_group_a_role_sees_holds_a_link(client, users, role):
    groups = _groups(client, users[role])
    assert groups, "no menu"
    assert all(links for links in groups.values()), groups


def test_groups_follow_the_role(client, users):
    # the service desk has no gold card, dashboards or administration in its menu
    service = _groups(client, users["service"])
    assert "navgroup-service" in service
    assert not {"navgroup-gold", "navgroup-dashboards", "navgroup-admin"} & set(service)
    # the manager reports contacts; he neither files them nor reviews duplicates
    manager = _groups(client, users["manager"])
    assert reverse("contacts:submit") in manager["navgroup-contacts"]
    assert reverse("contacts:inbox") not in manager["navgroup-contacts"]
    every_link = [a for links in manager.values() for a in links]
    assert reverse("customers:duplicate_list") not in every_link
    # the archivist files reports and reviews duplicates
    archivist = _groups(client, users["archivist"])
    assert reverse("contacts:inbox") in archivist["navgroup-contacts"]
    assert reverse("customers:duplicate_list") in archivist["navgroup-customers"]
