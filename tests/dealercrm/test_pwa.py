"""The installable app (issue 18, part 3): manifest, icons and the service worker."""

from __future__ import annotations

import struct

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_service_worker_is_served_from_the_root_for_every_page(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert 'addEventListener("fetch"' in body
    # the API is never kept for offline use (another user's data after a new login)
    assert '"/api/"' in body


def test_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["name"]
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("icon-180.png", 180),
        ("icon-192.png", 192),
        ("icon-512.png", 512),
        ("icon-maskable-512.png", 512),
    ],
)
def test_icons_are_pngs_of_their_stated_size(name, size):
    path = finders.find(f"icons/{name}")
    assert path, name
    with open(path, "rb") as fh:
        head = fh.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24]) == (size, size)


def test_pages_link_the_manifest_and_the_offline_script(client, manager):
    client.force_login(manager)
    html = client.get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'src="/static/js/offline.js"' in html
    assert 'id="outbox-badge"' in html and f'data-user="{manager.pk}"' in html


def test_the_strict_csp_still_holds_on_pages_with_the_worker(client, manager):
    client.force_login(manager)
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
