from datetime import date
from decimal import Decimal

import pytest

from backlog.configuration import settings_for
from backlog.funnels.definition import save_funnel
from backlog.funnels.importing import apply_funnel_import, prepare_funnel_import
from backlog.funnels.measured import forget_measured_pages, measured_numbers
from backlog.models import Funnel, Page
from tests.backlog.factories import make_page

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("reached", "converted", "days", "expected"),
    [
        (28_000, 700, 28, (1000, Decimal("2.500"))),
        (10, 0, 28, (None, None)),  # under one a day, and nobody converted
        (2800, 2800, 28, (100, None)),  # everyone converted: nothing to size from
        (0, 0, 28, (None, None)),
        (3, 1, 1, (3, Decimal("33.333"))),
    ],
)
def test_measured_numbers_are_those_worked_out_by_hand(
    reached, converted, days, expected
):
    start = date(2024, 3, 1)
    end = date(2024, 3, days)
    assert measured_numbers(reached, converted, start, end) == expected


def test_a_page_counted_by_a_funnel_step_takes_its_measured_traffic(org):
    cart = make_page(org, "Cart", daily_visitors=50, baseline_conversion_rate="9.0")
    funnel = save_funnel(
        Funnel(organisation=org, name="Checkout"), ["Cart", "Purchase"]
    )
    step = funnel.steps.get(name="Cart")
    step.page = cart
    step.save()
    lines = ["date,step,count"]
    for day in range(1, 32):  # 31 days: the last 28 are measured
        lines += [f"2024-03-{day:02d},Cart,1000", f"2024-03-{day:02d},Purchase,40"]
    prepared = prepare_funnel_import(funnel, ("\n".join(lines) + "\n").encode())
    apply_funnel_import(prepared, prepared.mapping)
    cart.refresh_from_db()
    assert (cart.measured_from, cart.measured_to) == (
        date(2024, 3, 4),
        date(2024, 3, 31),
    )
    assert (cart.visitors_per_day, cart.conversion_rate) == (1000, Decimal("4.000"))
    # The typed numbers stay, for when the funnel goes.
    assert (cart.daily_visitors, cart.baseline_conversion_rate) == (50, Decimal("9.0"))
    plan = settings_for(org).plan_for(cart)
    assert plan.baseline_rate == 0.04
    assert plan.days == -(-plan.total_visitors // 1000)
    forget_measured_pages(funnel)
    cart.refresh_from_db()
    assert (cart.visitors_per_day, cart.conversion_rate) == (50, Decimal("9.0"))


def test_a_page_no_step_counts_any_more_goes_back_to_its_typed_numbers(org):
    cart = make_page(org, "Cart", daily_visitors=50, baseline_conversion_rate="9.0")
    funnel = save_funnel(
        Funnel(organisation=org, name="Checkout"), ["Cart", "Purchase"]
    )
    step = funnel.steps.get(name="Cart")
    step.page = cart
    step.save()
    prepared = prepare_funnel_import(
        funnel, b"date,step,count\n2024-03-01,Cart,100\n2024-03-01,Purchase,5\n"
    )
    apply_funnel_import(prepared, prepared.mapping)
    assert Page.objects.get(pk=cart.pk).visitors_per_day == 100
    step.page = None
    step.save()
    save_funnel(funnel, ["Cart", "Purchase"])
    assert Page.objects.get(pk=cart.pk).visitors_per_day == 50
