import pytest
from hypothesis import given
from hypothesis import strategies as st

from backlog.funnels.rates import biggest_leak, describe_leak, read_funnel

SHOP = [
    ("Product view", 10_000),
    ("Add to cart", 2_500),
    ("Checkout", 1_000),
    ("Purchase", 400),
]


def test_rates_and_drop_offs_are_those_worked_out_by_hand():
    steps = read_funnel(SHOP)
    assert [s.rate_from_previous for s in steps] == [None, 0.25, 0.4, 0.4]
    assert [s.rate_from_start for s in steps] == [1.0, 0.25, 0.1, 0.04]
    # Those who reached a step and did not reach the next: GA4's abandonments.
    assert [s.drop_off for s in steps] == [7_500, 1_500, 600, None]
    assert [s.drop_off_rate for s in steps] == [0.75, 0.6, 0.6, None]


def test_a_step_nobody_reached_has_no_rates_after_it():
    steps = read_funnel([("Cart", 0), ("Checkout", 0)])
    assert steps[0].rate_from_start is None
    assert steps[0].drop_off == 0
    assert steps[0].drop_off_rate is None
    assert steps[1].rate_from_previous is None


def test_an_open_funnel_that_grows_keeps_its_numbers_unclipped():
    steps = read_funnel([("Blog", 100), ("Product view", 150)])
    assert steps[1].rate_from_previous == 1.5
    assert steps[0].drop_off == -50


def test_an_empty_funnel_reads_as_no_steps():
    assert read_funnel([]) == []


def test_the_biggest_leak_of_one_segment_is_where_the_most_are_lost():
    leak = biggest_leak({"All traffic": SHOP})
    assert (leak.step, leak.lost, leak.compared_with) == ("Product view", 7_500, None)


def test_the_biggest_leak_across_devices_is_the_loss_beyond_the_best_device():
    mobile = [("Cart", 4_000), ("Payment", 2_000), ("Purchase", 1_240)]
    desktop = [("Cart", 3_000), ("Payment", 1_600), ("Purchase", 1_136)]
    leak = biggest_leak({"mobile": mobile, "desktop": desktop})
    # Cart: mobile loses 50 %, desktop 46.7 %: 3.3 points × 4,000 = 133 beyond.
    # Payment: mobile loses 38 %, desktop 29 %: 9 points × 2,000 = 180 beyond.
    assert (leak.step, leak.segment, leak.compared_with) == (
        "Payment",
        "mobile",
        "desktop",
    )
    assert leak.lost == 760
    assert leak.points_more == pytest.approx(9.0)
    assert leak.excess_lost == pytest.approx(180.0)
    assert describe_leak(leak) == (
        "Payment on mobile loses 38 % of those who reach it, 9 points more than "
        "on desktop."
    )


def test_a_funnel_that_loses_no_one_has_no_leak():
    assert biggest_leak({"All": [("A", 10), ("B", 10)]}) is None
    assert biggest_leak({}) is None


counts = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=8)


@given(counts)
def test_drop_offs_and_the_last_count_add_up_to_the_first(values):
    steps = read_funnel([(f"s{i}", v) for i, v in enumerate(values)])
    assert sum(s.drop_off for s in steps[:-1]) + steps[-1].count == values[0]
