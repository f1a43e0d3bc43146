import io

import pytest
from django.core.management import CommandError, call_command

from backlog.models import Funnel, FunnelCount, FunnelImport
from tests.fixtures.funnel_exports import layouts
from tests.fixtures.funnel_exports.layouts import DAYS, DEVICES, STEPS

pytestmark = pytest.mark.django_db


def run(path, *options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_funnel", str(path), *options, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_a_first_import_creates_the_funnel_and_a_second_changes_nothing(org, tmp_path):
    path = tmp_path / "ga4.csv"
    path.write_bytes(layouts.ga4_exploration_csv())
    line, err = run(path, "--org", "acme", "--funnel", "Checkout")
    rows = len(STEPS) * (len(DEVICES) + 1)
    assert line == f"created={rows} updated=0 unchanged=0 removed=0 rejected=0"
    assert "Created the funnel “Checkout” with the file's 5 steps." in err
    funnel = Funnel.objects.get(organisation=org)
    assert list(funnel.steps.values_list("name", flat=True)) == STEPS
    line, _ = run(path, "--org", "acme", "--funnel", "checkout")
    assert line == f"created=0 updated=0 unchanged={rows} removed=0 rejected=0"


def test_steps_the_funnel_does_not_know_stop_the_import_until_mapped(org, tmp_path):
    run_path = tmp_path / "plain.csv"
    run_path.write_bytes(layouts.plain_csv())
    run(run_path, "--org", "acme", "--funnel", "Checkout")
    german = tmp_path / "warenkorb.csv"
    german.write_bytes(b"date,step,count\n2024-02-01,Warenkorb,5\n2024-02-01,Kauf,2\n")
    with pytest.raises(CommandError, match="No step of the funnel matches “Warenkorb”"):
        run(german, "--org", "acme", "--funnel", "Checkout")
    assert FunnelImport.objects.count() == 1  # the refused one is not kept
    line, _ = run(
        german,
        "--org",
        "acme",
        "--funnel",
        "Checkout",
        "--map",
        "Warenkorb=Add to cart",
        "--map",
        "Kauf=",
    )
    assert line == "created=1 updated=0 unchanged=0 removed=0 rejected=0"
    assert FunnelCount.objects.get(period_start="2024-02-01").step.name == "Add to cart"


def test_a_matomo_export_is_imported_for_the_segment_and_zone_given(org, tmp_path):
    path = tmp_path / "matomo.csv"
    path.write_bytes(layouts.matomo_flow_csv("mobile"))
    line, _ = run(
        path,
        "--org",
        "acme",
        "--funnel",
        "Checkout",
        "--segment",
        "device:mobile",
        "--timezone",
        "Europe/Berlin",
    )
    assert line.startswith(f"created={DAYS * len(STEPS)} ")
    assert set(FunnelCount.objects.values_list("dimension", "segment")) == {
        ("device", "mobile")
    }


def test_rejected_lines_go_to_stderr(org, tmp_path):
    path = tmp_path / "plain.csv"
    path.write_bytes(b"date,step,count\n2024-01-01,Cart,5\n2024-01-02,Cart,x\n")
    line, err = run(path, "--org", "acme", "--funnel", "Cart")
    assert line == "created=1 updated=0 unchanged=0 removed=0 rejected=1"
    assert "line 3: the count is not a whole number: “x”" in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--org", "nowhere"], "No organisation with the slug “nowhere”"),
        (["--org", "acme", "--timezone", "Mars/Olympus"], "is not a time zone"),
        (["--org", "acme", "--from", "2024-01-01"], "Give both --from and --to"),
        (["--org", "acme", "--segment", "planet:mars"], "is not a segment"),
        (["--org", "acme", "--by", "stranger"], "is not a member"),
    ],
)
def test_bad_options_get_a_clear_message_and_change_nothing(
    org, tmp_path, options, message
):
    path = tmp_path / "plain.csv"
    path.write_bytes(layouts.plain_csv())
    with pytest.raises(CommandError, match=message):
        run(path, "--funnel", "Checkout", *options)
    assert not Funnel.objects.exists()


def test_a_missing_file_is_named(org, tmp_path):
    with pytest.raises(CommandError, match="No file at"):
        run(tmp_path / "none.csv", "--org", "acme", "--funnel", "Checkout")
