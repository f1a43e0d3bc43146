"""The navigation to the backlog's pages."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


def test_navigation_leads_to_every_backlog_view(org, admin_client):
    text = admin_client.get(reverse("home", args=["acme"])).text
    for name in ("hypothesis-list", "board", "learning-list", "planner", "page-list"):
        assert f'href="{url(name)}"' in text
