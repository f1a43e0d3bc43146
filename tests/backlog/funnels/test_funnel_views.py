"""The funnel pages: define a funnel, upload its counts, map the steps, read it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backlog.funnels.definition import StepInUse, save_funnel
from backlog.funnels.importing import apply_funnel_import, prepare_funnel_import
from backlog.models import Funnel, FunnelCount, FunnelImport, FunnelStep
from cromaturity.models import Role
from tests.access import assert_access, member_client
from tests.backlog.factories import make_page
from tests.fixtures.funnel_exports import layouts

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


@pytest.fixture
def funnel(org):
    return save_funnel(
        Funnel(organisation=org, name="Checkout"),
        [
            "Product view",
            "Add to cart",
            "Begin checkout",
            "Add payment info",
            "Purchase",
        ],
    )


def counted(funnel, data):
    prepared = prepare_funnel_import(funnel, data)
    return apply_funnel_import(prepared, prepared.mapping)


def test_the_list_is_for_members_and_adding_a_funnel_for_editors(org):
    assert_access(url("funnel-list"), organisation=org, role=Role.VIEWER)
    response = assert_access(
        url("funnel-list"),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={"name": "Sign-up", "description": "", "steps": "Form\n\nConfirm\n"},
        ok=302,
        unchanged=lambda: Funnel.objects.count(),
    )
    funnel = Funnel.objects.get()
    assert response["Location"] == url("funnel-detail", funnel.pk)
    assert list(funnel.steps.values_list("name", flat=True)) == ["Form", "Confirm"]


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ("Only one", "at least two steps"),
        ("Cart\ncart", "named twice"),
    ],
)
def test_a_funnel_needs_two_distinct_steps(org, steps, message):
    client = member_client(org, Role.EDITOR)
    response = client.post(
        url("funnel-list"), {"name": "Sign-up", "description": "", "steps": steps}
    )
    assert response.status_code == 400
    assert message in response.text
    assert not Funnel.objects.exists()


def test_the_funnel_page_reads_the_period_devices_and_biggest_leak(org, funnel):
    counted(funnel, layouts.plain_csv())
    response = assert_access(url("funnel-detail", funnel.pk), organisation=org)
    text = response.text
    assert "1 Jan 2024 – 7 Jan 2024" in text
    assert "By device" in text
    assert "Biggest leak." in text
    # Mobile moves 28 % from product view to cart, desktop 36 %.
    assert "Product view on mobile loses 72 % of those who reach it" in text


def test_a_segment_of_the_url_shows_that_segment_only(org, funnel):
    counted(funnel, layouts.plain_csv())
    client = member_client(org, Role.VIEWER)
    text = client.get(url("funnel-detail", funnel.pk), {"segment": "tablet"}).text
    assert "· tablet</p>" in text
    assert f"{sum(layouts.counts('tablet', d)[0] for d in range(7)):,}" in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "someday"}, "A date is not one"),
        ({"segment": "smart fridge"}, "no such segment"),
        ({"from": "2024-01-07", "to": "2024-01-01"}, "turned round"),
    ],
)
def test_a_bad_query_is_said_and_a_sensible_page_shown(org, funnel, query, message):
    counted(funnel, layouts.plain_csv())
    response = member_client(org, Role.VIEWER).get(
        url("funnel-detail", funnel.pk), query
    )
    assert response.status_code == 200
    assert message in response.text


def test_an_upload_is_read_mapped_and_applied(org, funnel):
    client = member_client(org, Role.EDITOR)
    upload = SimpleUploadedFile("funnel.csv", layouts.ga4_exploration_csv())
    response = client.post(
        url("funnel-upload", funnel.pk),
        {"file": upload, "format": "", "time_zone": "Europe/Berlin", "segment": ""},
    )
    prepared = FunnelImport.objects.get()
    assert response["Location"] == url("funnel-import", prepared.pk)
    page = client.get(url("funnel-import", prepared.pk)).text
    assert "1. Product view" in page
    assert FunnelCount.objects.count() == 0
    steps = list(funnel.steps.values_list("pk", flat=True))
    data = {f"step_{i}": str(pk) for i, pk in enumerate(steps)}
    data["step_4"] = ""  # leave Purchase out
    response = client.post(url("funnel-import", prepared.pk), data)
    assert response.status_code == 302
    assert FunnelCount.objects.count() == 4 * 4
    report = client.get(url("funnel-import", prepared.pk)).text
    assert "Steps left out" in report
    assert "5. Purchase" in report


def test_mapping_is_for_editors_only(org, funnel):
    prepared = prepare_funnel_import(funnel, layouts.plain_csv())
    assert_access(
        url("funnel-import", prepared.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={f"step_{i}": str(pk) for i, pk in enumerate(prepared.mapping.values())},
        ok=302,
        unchanged=lambda: FunnelCount.objects.count(),
    )


def test_an_unreadable_upload_is_refused_with_the_reason(org, funnel):
    client = member_client(org, Role.EDITOR)
    upload = SimpleUploadedFile("people.csv", b"name,email\nAna,ana@example.org\n")
    response = client.post(
        url("funnel-upload", funnel.pk),
        {"file": upload, "format": "", "time_zone": "UTC", "segment": ""},
    )
    assert response.status_code == 400
    assert "not those of a funnel export" in response.text
    assert not FunnelImport.objects.exists()


def test_an_upload_for_one_day_only_without_both_days_is_refused(org, funnel):
    client = member_client(org, Role.EDITOR)
    upload = SimpleUploadedFile("m.csv", layouts.matomo_flow_csv("mobile"))
    response = client.post(
        url("funnel-upload", funnel.pk),
        {"file": upload, "time_zone": "UTC", "period_from": "2024-01-01"},
    )
    assert response.status_code == 400
    assert "Give both the first and the last day" in response.text


def test_editing_keeps_counts_of_steps_renamed_in_place_and_refuses_dropping_them(
    org, funnel
):
    counted(funnel, b"date,step,count\n2024-01-01,Add to cart,5\n")
    cart = funnel.steps.get(name="Add to cart")
    save_funnel(
        funnel,
        ["Product view", "Basket", "Begin checkout", "Add payment info", "Purchase"],
    )
    cart.refresh_from_db()
    assert (cart.name, cart.counts.get().count) == ("Basket", 5)
    with pytest.raises(StepInUse, match="“Basket” holds counts"):
        save_funnel(funnel, ["Product view", "Purchase"])
    assert FunnelStep.objects.filter(funnel=funnel).count() == 5


def test_steps_can_be_reordered_and_added(org, funnel):
    save_funnel(
        funnel,
        [
            "Add to cart",
            "Product view",
            "Wishlist",
            "Begin checkout",
            "Add payment info",
            "Purchase",
        ],
    )
    assert list(funnel.steps.order_by("position").values_list("name", flat=True)) == [
        "Add to cart",
        "Product view",
        "Wishlist",
        "Begin checkout",
        "Add payment info",
        "Purchase",
    ]


def test_the_edit_page_says_why_a_step_cannot_go(org, funnel):
    counted(funnel, b"date,step,count\n2024-01-01,Purchase,5\n")
    client = member_client(org, Role.EDITOR)
    response = client.post(
        url("funnel-update", funnel.pk),
        {"name": "Checkout", "description": "", "steps": "Product view\nAdd to cart"},
    )
    assert response.status_code == 400
    assert "holds counts" in response.text
    assert funnel.steps.count() == 5


def test_deleting_a_funnel_is_for_editors(org, funnel):
    assert_access(
        url("funnel-delete", funnel.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        ok=302,
        unchanged=lambda: Funnel.objects.count(),
    )
    assert not Funnel.objects.exists()


def test_the_default_period_is_the_last_28_days_with_counts(org, funnel):
    counted(funnel, b"date,step,count\n2024-01-01,Purchase,5\n2024-03-31,Purchase,7\n")
    text = member_client(org, Role.VIEWER).get(url("funnel-detail", funnel.pk)).text
    assert "4 Mar 2024 – 31 Mar 2024" in text


def test_linking_a_step_to_a_page_measures_the_page(org, funnel):
    product = make_page(org, "Product page", daily_visitors=10)
    counted(
        funnel,
        b"date,step,count\n2024-01-01,Product view,700\n2024-01-01,Purchase,21\n",
    )
    view = funnel.steps.get(name="Product view")
    data = {f"page_{step.pk}": "" for step in funnel.steps.all()}
    data[f"page_{view.pk}"] = str(product.pk)
    assert_access(
        url("funnel-step-pages", funnel.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data=data,
        ok=302,
        unchanged=lambda: list(FunnelStep.objects.values_list("page_id", flat=True)),
    )
    product.refresh_from_db()
    assert (product.visitors_per_day, str(product.conversion_rate)) == (700, "3.000")
    text = member_client(org, Role.VIEWER).get(url("page-list")).text
    assert "measured by Checkout" in text


def test_a_page_of_another_organisation_cannot_be_linked(org, other_org, funnel):
    theirs = make_page(other_org, "Their page")
    view = funnel.steps.get(name="Product view")
    client = member_client(org, Role.EDITOR)
    client.post(url("funnel-step-pages", funnel.pk), {f"page_{view.pk}": theirs.pk})
    view.refresh_from_db()
    assert view.page_id is None


def test_the_home_dashboard_names_the_biggest_leak(org, funnel):
    counted(funnel, layouts.plain_csv())
    text = member_client(org, Role.VIEWER).get(reverse("home", args=["acme"])).text
    assert "Where the funnel leaks" in text
    assert "Product view on mobile loses 72 % of those who reach it" in text


def test_the_home_dashboard_without_funnel_counts_says_what_to_do(org, funnel):
    text = member_client(org, Role.VIEWER).get(reverse("home", args=["acme"])).text
    assert "No funnel counts yet." in text
