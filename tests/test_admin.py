"""Every model of the project is in the Django admin, and every admin page opens."""

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

PROJECT_APPS = ["cromaturity", "assessments", "backlog", "collaboration"]


def _project_models():
    root = Path(settings.BASE_DIR)
    found = []
    for config in apps.get_app_configs():
        path = Path(config.path)
        if path.is_relative_to(root) and not {".venv", "site-packages"} & set(
            path.parts
        ):
            found += config.get_models()
    return found


def test_the_project_apps_are_found_by_where_their_code_lives():
    labels = {model._meta.app_label for model in _project_models()}
    assert labels == set(PROJECT_APPS)


def test_every_model_of_the_project_is_in_the_admin():
    missing = [
        model._meta.label
        for model in _project_models()
        if not admin.site.is_registered(model)
    ]
    assert missing == []


def test_every_model_of_the_project_has_columns_search_and_filters_in_the_admin(
    client, admin_user
):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    for model in _project_models():
        meta = model._meta
        listing = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        model_admin = admin.site.get_model_admin(model)
        response = client.get(listing, {"q": "checkout"})
        assert response.status_code == 200, meta.label
        assert model_admin.list_display != ("__str__",), meta.label
        assert model_admin.list_filter, meta.label
        assert model_admin.search_fields, meta.label
        assert 'id="searchbar"' in response.text, meta.label
