from datetime import date

import pytest

from backlog.funnels.importing import (
    FunnelImportRefused,
    apply_funnel_import,
    create_funnel_from_file,
    prepare_funnel_import,
    step_label,
)
from backlog.models import Funnel, FunnelCount, FunnelImportStatus, FunnelStep
from tests.fixtures.funnel_exports import layouts
from tests.fixtures.funnel_exports.layouts import DAYS, DEVICES, STEPS

pytestmark = pytest.mark.django_db


@pytest.fixture
def funnel(org):
    funnel = Funnel.objects.create(organisation=org, name="Checkout")
    for position, name in enumerate(STEPS):
        FunnelStep.objects.create(funnel=funnel, position=position, name=name)
    return funnel


def imported(funnel, data, **options):
    prepared = prepare_funnel_import(funnel, data, **options)
    return apply_funnel_import(prepared, prepared.mapping)


@pytest.mark.parametrize(
    ("name", "label"),
    [("1. Product view", "product view"), ("Step 2: Add to cart", "add to cart")],
)
def test_the_tools_numbering_is_left_out_when_steps_are_matched(name, label):
    assert step_label(name) == label


def test_the_files_steps_are_mapped_to_the_funnels_by_name(funnel):
    prepared = prepare_funnel_import(funnel, layouts.ga4_exploration_csv())
    steps = {step.name: step.pk for step in funnel.steps.all()}
    assert prepared.status == FunnelImportStatus.PREVIEW
    assert prepared.mapping == {
        f"{i + 1}. {name}": steps[name] for i, name in enumerate(STEPS)
    }
    assert FunnelCount.objects.count() == 0  # nothing is written before the mapping


def test_importing_the_same_export_twice_creates_nothing_twice(funnel):
    first = imported(funnel, layouts.plain_csv())
    expected = DAYS * len(DEVICES) * len(STEPS)
    assert (
        first.line() == f"created={expected} updated=0 unchanged=0 removed=0 rejected=0"
    )
    again = imported(funnel, layouts.plain_csv())
    assert (
        again.line() == f"created=0 updated=0 unchanged={expected} removed=0 rejected=0"
    )
    assert FunnelCount.objects.count() == expected


def test_a_new_export_of_the_same_period_replaces_its_counts(funnel):
    imported(funnel, layouts.plain_csv())
    text = layouts.plain_csv().decode()
    lines = text.splitlines()
    changed = [lines[0], lines[1].rsplit(",", 1)[0] + ",9999", *lines[2:-1]]
    outcome = imported(funnel, ("\n".join(changed) + "\n").encode())
    assert (outcome.updated, outcome.removed) == (1, 1)
    day, step, device, _ = lines[1].split(",")
    assert (
        FunnelCount.objects.get(step__name=step, period_start=day, segment=device).count
        == 9999
    )


def test_a_count_reaching_outside_the_files_period_is_refused_and_nothing_changes(
    funnel,
):
    week = b"week,step,device,count\n2024-01-05,Product view,mobile,500\n"
    imported(funnel, week)
    before = list(FunnelCount.objects.values_list("pk", "count"))
    prepared = prepare_funnel_import(funnel, layouts.plain_csv())
    with pytest.raises(FunnelImportRefused, match="reaches outside the file's period"):
        apply_funnel_import(prepared, prepared.mapping)
    assert list(FunnelCount.objects.values_list("pk", "count")) == before
    prepared.refresh_from_db()
    assert prepared.status == FunnelImportStatus.PREVIEW


def test_steps_left_unmapped_are_ignored_and_reported(funnel):
    prepared = prepare_funnel_import(funnel, layouts.plain_csv())
    mapping = {**prepared.mapping, "Purchase": None}
    outcome = apply_funnel_import(prepared, mapping)
    assert outcome.ignored_steps == ("Purchase",)
    assert not FunnelCount.objects.filter(step__name="Purchase").exists()


def test_two_file_steps_mapped_to_one_funnel_step_are_refused(funnel):
    prepared = prepare_funnel_import(funnel, layouts.plain_csv())
    cart = funnel.steps.get(name="Add to cart").pk
    mapping = {**prepared.mapping, "Product view": cart}
    with pytest.raises(FunnelImportRefused, match="both mapped to “Add to cart”"):
        apply_funnel_import(prepared, mapping)
    assert FunnelCount.objects.count() == 0


def test_a_step_of_another_funnel_is_refused(funnel, org):
    other = Funnel.objects.create(organisation=org, name="Sign-up")
    stranger = FunnelStep.objects.create(funnel=other, position=0, name="Form")
    prepared = prepare_funnel_import(funnel, layouts.plain_csv())
    with pytest.raises(FunnelImportRefused, match="not in “Checkout”"):
        apply_funnel_import(prepared, {**prepared.mapping, "Purchase": stranger.pk})


def test_an_import_is_applied_once(funnel):
    prepared = prepare_funnel_import(funnel, layouts.plain_csv())
    apply_funnel_import(prepared, prepared.mapping)
    with pytest.raises(FunnelImportRefused, match="already been applied"):
        apply_funnel_import(prepared, prepared.mapping)


def test_the_same_count_twice_in_a_file_keeps_the_first_and_rejects_the_second(
    funnel,
):
    data = b"date,step,count\n2024-01-01,Purchase,5\n2024-01-01,Purchase,6\n"
    outcome = imported(funnel, data)
    assert outcome.rejected == 1
    assert outcome.funnel_import.report["rejected"] == [
        {"line": 3, "reason": "the same step, period and segment as line 2"}
    ]
    assert FunnelCount.objects.get().count == 5


def test_the_next_import_remembers_how_the_last_one_was_mapped(funnel):
    data = b"date,step,count\n2024-01-01,Warenkorb,5\n"
    prepared = prepare_funnel_import(funnel, data)
    assert prepared.mapping == {"Warenkorb": None}
    cart = funnel.steps.get(name="Add to cart").pk
    apply_funnel_import(prepared, {"Warenkorb": cart})
    again = prepare_funnel_import(funnel, b"date,step,count\n2024-01-02,Warenkorb,7\n")
    assert again.mapping == {"Warenkorb": cart}


def test_a_funnel_is_made_from_a_files_steps_in_their_order(org):
    funnel = create_funnel_from_file(
        org, "GA4 checkout", ["1. Product view", "2. Cart"]
    )
    assert list(funnel.steps.values_list("position", "name")) == [
        (0, "Product view"),
        (1, "Cart"),
    ]


def test_the_import_keeps_the_period_the_file_states(funnel):
    outcome = imported(funnel, layouts.ga4_exploration_csv())
    assert (outcome.funnel_import.period_from, outcome.funnel_import.period_to) == (
        date(2024, 1, 1),
        date(2024, 1, 7),
    )
