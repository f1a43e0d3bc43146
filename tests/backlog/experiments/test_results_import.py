"""Importing an experiment's results from the testing tool's export: the upload,
the preview and mapping, applying it, the report, the history and the command."""

import math
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from django.urls import reverse
from django.utils.html import escape

from backlog.experiments import registration
from backlog.experiments.registration import (
    PlannedVariant,
    PlanSettings,
    RegisteredMetric,
    register_experiment,
)
from backlog.experiments.results_importing import (
    ResultsImportRefused,
    apply_results_import,
    prepare_results_import,
)
from backlog.experiments.results_mapping import Target, name_key, propose
from backlog.models import (
    ChangeKind,
    Metric,
    MetricKind,
    MetricResult,
    MetricRole,
    ResultsImport,
    ResultsImportStatus,
)
from cromaturity.models import Role
from tests.access import assert_access

pytestmark = pytest.mark.django_db

PLAIN = (
    "variant,metric,visitors,conversions,sum,sum_squares\n"
    "Control,add_to_cart,10000,1200,,\n"
    "delivery-dates,add_to_cart,10000,1400,,\n"
    "Control,Revenue,10000,,15000,900000\n"
    "delivery-dates,Revenue,10000,,16500,990000\n"
    "Control,Support contacts,10000,,500,700\n"
    "delivery-dates,Support contacts,10000,,650,900\n"
    "Holdout,add_to_cart,500,40,,\n"
    "Control,Newsletter,10000,2000000,,\n"
)
NEWER = PLAIN.replace("1400", "1480").replace("16500", "16900")


def url(name, *args):
    return reverse(f"backlog:{name}", args=["acme", *args])


@pytest.fixture
def metrics(org):
    return {
        "add_to_cart": Metric.objects.create(
            organisation=org, key="add_to_cart", name="Add to cart"
        ),
        "revenue": Metric.objects.create(
            organisation=org, key="revenue", name="Revenue", kind=MetricKind.MEAN
        ),
        "contacts": Metric.objects.create(
            organisation=org,
            key="contacts",
            name="Support contacts",
            kind=MetricKind.COUNT,
            direction="down",
        ),
    }


@pytest.fixture
def experiment(make_hypothesis, metrics, admin_user):
    return register_experiment(
        make_hypothesis(),
        name="Dates A/B",
        variants=[
            PlannedVariant("Control", is_control=True),
            PlannedVariant("Delivery dates"),
        ],
        metrics=[
            RegisteredMetric(metrics["add_to_cart"], MetricRole.PRIMARY),
            RegisteredMetric(metrics["revenue"], MetricRole.SECONDARY),
            RegisteredMetric(metrics["contacts"], MetricRole.GUARDRAIL, Decimal("2")),
        ],
        settings=PlanSettings(planned_visitors_per_variant=9000),
        by=admin_user,
    )


def upload(client, experiment, text, name="results.csv", tool=""):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        url("experiment-results-import", experiment.pk),
        {"file": SimpleUploadedFile(name, data, "text/csv"), "tool": tool},
    )


def mapping_data(response):
    """The mapping form's fields as the page fills them in."""
    form = response.context["form"]
    return {name: form[name].value() or "" for name in form.fields}


def stored():
    return sorted(
        MetricResult.objects.values_list(
            "variant__name", "metric__key", "visitors", "conversions", "sum"
        )
    )


def results_state():
    return (
        stored(),
        sorted(ResultsImport.objects.values_list("pk", "status")),
    )


# --- the plain CSV, end to end ------------------------------------------------


def test_plain_csv_end_to_end(org, experiment):
    response = assert_access(
        url("experiment-results-import", experiment.pk),
        organisation=org,
        role=Role.EDITOR,
    )
    assert b"Upload and preview" in response.content

    file = SimpleUploadedFile("results.csv", PLAIN.encode(), "text/csv")
    response = assert_access(
        url("experiment-results-import", experiment.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={"file": file, "tool": ""},
        ok=302,
        unchanged=results_state,
    )
    results_import = ResultsImport.objects.get()
    assert response["Location"] == url("results-import-detail", results_import.pk)
    assert results_import.status == ResultsImportStatus.PREVIEW
    assert results_import.tool == "plain"
    assert len(results_import.rows) == 7

    preview = assert_access(
        url("results-import-detail", results_import.pk),
        organisation=org,
        role=Role.EDITOR,
    )
    page = preview.content.decode()
    assert "a plain CSV" in page
    assert "conversions (2000000) is more than visitors (10000)" in page
    assert mapping_data(preview) == {
        "variant_0": "Control",
        "variant_1": "Delivery dates",
        "variant_2": "",
        "metric_0": "add_to_cart",
        "metric_1": "revenue",
        "metric_2": "contacts",
    }

    response = assert_access(
        url("results-import-apply", results_import.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data=mapping_data(preview),
        ok=302,
        unchanged=results_state,
    )
    assert stored() == [
        ("Control", "add_to_cart", 10000, 1200, None),
        ("Control", "contacts", 10000, None, 500.0),
        ("Control", "revenue", 10000, None, 15000.0),
        ("Delivery dates", "add_to_cart", 10000, 1400, None),
        ("Delivery dates", "contacts", 10000, None, 650.0),
        ("Delivery dates", "revenue", 10000, None, 16500.0),
    ]
    results_import.refresh_from_db()
    assert results_import.status == ResultsImportStatus.APPLIED
    assert results_import.report["applied"] == 6
    assert results_import.report["ignored"] == 1
    assert results_import.report["ignored_variants"] == ["Holdout"]
    assert results_import.rows == []
    change = experiment.changes.get(kind=ChangeKind.RESULTS)
    assert change.summary == "Results from Plain CSV file results.csv"

    report = assert_access(
        url("results-import-detail", results_import.pk),
        organisation=org,
        role=Role.EDITOR,
    )
    page = report.content.decode()
    assert "Applied" in page
    assert "Ignored: Holdout" in page
    assert report.context["mapping_parts"][1][1] == [
        ("add_to_cart", "Add to cart"),
        ("Revenue", "Revenue"),
        ("Support contacts", "Support contacts"),
    ]
    assert experiment.hypothesis.get_absolute_url() + "#results" in page
    assert "conversions (2000000) is more than visitors" in page  # rejected reason


def test_a_refused_apply_by_anyone_changes_nothing(org, experiment, admin_client):
    results_import = ResultsImport.objects.get(
        pk=upload(admin_client, experiment, PLAIN).url.rstrip("/").split("/")[-1]
    )
    # Anonymous, an outsider and a contributor are refused before the mapping
    # is read; the editor's mapping is refused for what it says.
    response = assert_access(
        url("results-import-apply", results_import.pk),
        organisation=org,
        role=Role.EDITOR,
        method="post",
        data={"variant_0": "Control", "variant_1": "Control", "metric_0": "revenue"},
        ok=400,
        unchanged=results_state,
    )
    assert "are both mapped to the variant “Control”" in response.content.decode()


# --- a file of each tool ------------------------------------------------------

GB_HEADER = (
    '"metric","variation","riskOfChoosing","users","totalValue","perUserValue",'
    '"perUserValueStdDev","chanceToBeatControl","percentChange",'
    '"percentChangePValue","percentChangePValueAdjusted","percentChangeCILower",'
    '"percentChangeCIUpper","percentChangeCILowerAdjusted",'
    '"percentChangeCIUpperAdjusted"'
)


def _growthbook():
    lines = [GB_HEADER]
    for name, users, converted in (("Control", 1000, 103), ("Variation 1", 980, 121)):
        p = converted / users
        sd = math.sqrt(p * (1 - p))
        lines.append(
            f'"Add to cart","{name}",0,{users},{converted},{p!r},{sd!r},'
            "0.5,0.01,0.2,0.3,-0.1,0.12,-0.11,0.13"
        )
    for name, users, total in (("Control", 1000, 5000.0), ("Variation 1", 980, 5200.0)):
        lines.append(
            f'"Revenue","{name}",0,{users},{total!r},{total / users!r},12.5,'
            "0.5,0.01,0.2,0.3,-0.1,0.12,-0.11,0.13"
        )
    return "\n".join(lines) + "\n"


OPTIMIZELY = (
    "Experiment Name,Checkout button\n"
    "Date range,2026-03-01 – 2026-03-28\n"
    "\n"
    "Metric Name,Variation Name,Unique Visitors,Unique Conversions,"
    "Conversion Rate,Improvement,Statistical Significance\n"
    'Add to cart,Original,"12,408",1093,8.81%,,\n'
    'Add to cart,Variation #1,"12,377",1201,9.70%,+10.1%,97%\n'
)
VWO = (
    "Goal: Add to cart\n"
    "Variation;Visitors;Conversions (v);Conversion Rate (v);Improvement % (v)\n"
    "Control;12.408;1.093;8,81 %;\n"
    "Variation 1;12.377;1.201;9,70 %;10,1 %\n"
    "Total;24.785;2.294;9,26 %;\n"
)
CONVERT = (
    "Goal,Variation,Visitors,Conversions,Conversion Rate,Revenue,"
    "Revenue per Visitor (RPV),Improvement,Confidence\n"
    "Add to cart,Original,5000,250,5.00%,,,,\n"
    "Add to cart,Variation 1,5020,301,6.00%,,,20%,97%\n"
)


@pytest.mark.parametrize(
    ("tool", "label", "text", "challenger", "expected"),
    [
        (
            "growthbook",
            "GrowthBook",
            _growthbook(),
            "Variation 1",
            [
                ("Control", "add_to_cart", 1000, 103, None),
                ("Control", "revenue", 1000, None, 5000.0),
                ("Delivery dates", "add_to_cart", 980, 121, None),
                ("Delivery dates", "revenue", 980, None, 5200.0),
            ],
        ),
        (
            "optimizely",
            "Optimizely",
            OPTIMIZELY,
            "Variation #1",
            [
                ("Control", "add_to_cart", 12408, 1093, None),
                ("Delivery dates", "add_to_cart", 12377, 1201, None),
            ],
        ),
        (
            "vwo",
            "VWO",
            VWO,
            "Variation 1",
            [
                ("Control", "add_to_cart", 12408, 1093, None),
                ("Delivery dates", "add_to_cart", 12377, 1201, None),
            ],
        ),
        (
            "convert",
            "Convert",
            CONVERT,
            "Variation 1",
            [
                ("Control", "add_to_cart", 5000, 250, None),
                ("Delivery dates", "add_to_cart", 5020, 301, None),
            ],
        ),
    ],
)
def test_a_file_of_each_tool_is_detected_mapped_and_applied(
    experiment, admin_client, tool, label, text, challenger, expected
):
    response = upload(admin_client, experiment, text, name=f"{tool}.csv")
    assert response.status_code == 302
    preview = admin_client.get(response["Location"])
    results_import = preview.context["results_import"]
    assert results_import.tool == tool
    assert f"an export of {label}" in preview.content.decode()
    data = mapping_data(preview)
    form = preview.context["form"]
    # the control by its name or the tool's word for it ("Original")
    assert data["variant_0"] == "Control"
    # metrics by name: "Add to cart" is the metric named so, "Revenue" too
    assert data["metric_0"] == "add_to_cart"
    assert form.variant_names[1] == challenger
    assert data["variant_1"] == ""  # "Variation 1" says nothing about the test
    data["variant_1"] = "Delivery dates"
    response = admin_client.post(url("results-import-apply", results_import.pk), data)
    assert response.status_code == 302
    # a test with no results file for a metric keeps no numbers for it
    assert [row[:4] for row in stored()] == [row[:4] for row in expected]
    for got, want in zip(stored(), expected, strict=True):
        assert got[4] == pytest.approx(want[4])
    change = experiment.changes.get(kind=ChangeKind.RESULTS)
    assert change.summary == f"Results from {label} file {tool}.csv"


# --- the mapping: proposals and refusals --------------------------------------

VARIANTS = [
    Target("Control", "Control", ("Control",), is_control=True),
    Target("Delivery dates", "Delivery dates", ("Delivery dates",)),
]
METRICS = [
    Target("add_to_cart", "Add to cart", ("Add to cart", "add_to_cart")),
    Target("revenue", "Revenue", ("Revenue", "revenue"), conversions=False),
]


def test_names_match_whatever_their_case_spaces_and_punctuation():
    assert name_key("  Delivery-Dates! ") == name_key("delivery dates")
    assert propose(["DELIVERY_DATES", "control "], VARIANTS, remembered={}) == {
        "DELIVERY_DATES": "Delivery dates",
        "control ": "Control",
    }
    assert propose(["Add-to-Cart", "REVENUE"], METRICS, remembered={}) == {
        "Add-to-Cart": "add_to_cart",
        "REVENUE": "revenue",
    }
    # by the metric's key as well as its name
    assert propose(["add to cart"], METRICS, {}) == {"add to cart": "add_to_cart"}


def test_the_tools_word_for_the_control_loses_to_an_exact_name():
    assert propose(["Original", "Variation 1"], VARIANTS, {}) == {
        "Original": "Control",
        "Variation 1": None,
    }
    assert propose(["Original", "Control"], VARIANTS, {}) == {
        "Original": None,
        "Control": "Control",
    }


def test_no_target_is_proposed_twice():
    assert propose(["Control", "control"], VARIANTS, {}) == {
        "Control": "Control",
        "control": None,
    }


def test_the_last_import_is_remembered_before_names():
    remembered = {"Variation 1": "Delivery dates", "Control": None, "Gone": "Old"}
    assert propose(["Control", "Variation 1", "Gone"], VARIANTS, remembered) == {
        "Control": None,  # ignored last time, ignored again
        "Variation 1": "Delivery dates",
        "Gone": None,  # its target no longer exists, and no name matches
    }


def test_the_mapping_is_remembered_from_the_last_applied_import(
    experiment, admin_client
):
    first = admin_client.get(upload(admin_client, experiment, VWO)["Location"])
    data = mapping_data(first)
    data["variant_1"] = "Delivery dates"
    admin_client.post(
        url("results-import-apply", first.context["results_import"].pk), data
    )
    newer = VWO.replace("1.201", "1.250").replace("2.294", "2.343")
    second = admin_client.get(upload(admin_client, experiment, newer)["Location"])
    assert mapping_data(second)["variant_1"] == "Delivery dates"
    assert "same file" not in second.content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"metric_0": "revenue", "metric_1": ""},
            "“add_to_cart” has conversions in this file, not a sum and sum of "
            "squares, so it cannot be the mean per visitor metric “Revenue”",
        ),
        (
            {"metric_0": "", "metric_1": "add_to_cart"},
            "“Revenue” has a sum and sum of squares in this file, not conversions, "
            "so it cannot be the conversion goal “Add to cart”",
        ),
        (
            {"variant_2": "Delivery dates"},
            "“delivery-dates” and “Holdout” are both mapped to the variant "
            "“Delivery dates”",
        ),
        (
            {"metric_2": "revenue"},
            "“Revenue” and “Support contacts” are both mapped to the metric “Revenue”",
        ),
        ({"variant_0": ""}, "Map one of the file's variants to the control"),
        (
            {"metric_0": "", "metric_1": "", "metric_2": ""},
            "Map at least one of the file's variants and one of its metrics.",
        ),
    ],
)
def test_a_mapping_that_cannot_stand_is_refused_with_a_reason(
    experiment, admin_client, change, message
):
    preview = admin_client.get(upload(admin_client, experiment, PLAIN)["Location"])
    results_import = preview.context["results_import"]
    response = admin_client.post(
        url("results-import-apply", results_import.pk),
        {**mapping_data(preview), **change},
    )
    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert stored() == []
    results_import.refresh_from_db()
    assert results_import.status == ResultsImportStatus.PREVIEW
    assert not experiment.changes.filter(kind=ChangeKind.RESULTS).exists()


def test_numbers_the_results_cannot_hold_are_refused_and_nothing_is_kept(
    experiment, admin_client
):
    huge = PLAIN.replace(
        "Control,add_to_cart,10000,1200", "Control,add_to_cart,2000000000,1200"
    )
    preview = admin_client.get(upload(admin_client, experiment, huge)["Location"])
    response = admin_client.post(
        url("results-import-apply", preview.context["results_import"].pk),
        mapping_data(preview),
    )
    assert response.status_code == 400
    assert "visitors must be between 0 and 1,000,000,000" in response.content.decode()
    assert stored() == []


def test_a_failure_halfway_through_leaves_nothing_half_written(
    experiment, admin_user, monkeypatch
):
    results_import = prepare_results_import(
        experiment, PLAIN.encode(), filename="results.csv", by=admin_user
    )
    mapping = results_import.mapping

    def broken(**kwargs):
        raise DatabaseError("disk full")

    # the results are written, then the history entry fails
    monkeypatch.setattr(registration.ExperimentChange.objects, "create", broken)
    with pytest.raises(DatabaseError):
        apply_results_import(
            results_import, mapping["variants"], mapping["metrics"], by=admin_user
        )
    assert stored() == []
    results_import.refresh_from_db()
    assert results_import.status == ResultsImportStatus.PREVIEW
    assert len(results_import.rows) == 7


def test_an_import_is_applied_once(experiment, admin_user):
    results_import = prepare_results_import(
        experiment, PLAIN.encode(), filename="results.csv", by=admin_user
    )
    mapping = results_import.mapping
    apply_results_import(
        results_import, mapping["variants"], mapping["metrics"], by=admin_user
    )
    with pytest.raises(ResultsImportRefused, match="already imported"):
        apply_results_import(
            results_import, mapping["variants"], mapping["metrics"], by=admin_user
        )


# --- uploads that cannot be read ------------------------------------------------


def test_a_file_that_is_no_results_export_is_refused_and_nothing_stored(
    experiment, admin_client
):
    response = upload(admin_client, experiment, "name,email\nAda,ada@example.com\n")
    assert response.status_code == 400
    assert "is not a results export this import recognises" in response.content.decode()
    assert not ResultsImport.objects.exists()


def test_a_file_over_five_megabytes_is_refused(experiment, admin_client):
    response = upload(admin_client, experiment, b"x" * (5 * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert "larger than 5.0" in response.content.decode()
    assert not ResultsImport.objects.exists()


def test_a_thousand_rows_of_a_hundred_metrics_are_previewed(
    org, metrics, make_hypothesis, admin_user, admin_client
):
    names = [f"Variant {i}" for i in range(10)]
    experiment = register_experiment(
        make_hypothesis(),
        name="Many",
        variants=[PlannedVariant(n, is_control=i == 0) for i, n in enumerate(names)],
        metrics=[RegisteredMetric(metrics["add_to_cart"], MetricRole.PRIMARY)],
        settings=PlanSettings(),
        by=admin_user,
    )
    lines = ["variant,metric,visitors,conversions,sum,sum_squares"]
    lines += [f"Variant {i % 10},goal {i // 10},1000,{i % 97},," for i in range(1000)]
    # How long the upload and the preview take: bench.results_import.
    response = upload(admin_client, experiment, "\n".join(lines))
    preview = admin_client.get(response["Location"])
    assert preview.status_code == 200
    assert len(preview.context["form"].metric_names) == 100


# --- importing again ----------------------------------------------------------


def apply_file(client, experiment, text, name="results.csv"):
    preview = client.get(upload(client, experiment, text, name=name)["Location"])
    response = client.post(
        url("results-import-apply", preview.context["results_import"].pk),
        mapping_data(preview),
        follow=True,
    )
    return preview, response


def test_importing_the_same_file_again_changes_nothing(experiment, admin_client):
    apply_file(admin_client, experiment, PLAIN)
    before = stored()
    preview, response = apply_file(admin_client, experiment, PLAIN, name="again.csv")
    assert "This is the same file as" in preview.content.decode()
    assert "results.csv" in preview.content.decode()
    page = response.content.decode()
    assert "Nothing changed: these are the results already stored" in page
    assert stored() == before
    assert experiment.changes.filter(kind=ChangeKind.RESULTS).count() == 1
    assert ResultsImport.objects.order_by("pk").last().status == (
        ResultsImportStatus.UNCHANGED
    )


def test_a_newer_file_replaces_the_numbers_and_the_history_keeps_the_old(
    experiment, admin_client
):
    apply_file(admin_client, experiment, PLAIN, name="week-1.csv")
    _, response = apply_file(admin_client, experiment, NEWER, name="week-2.csv")
    assert "now come from week-2.csv" in response.content.decode()
    assert ("Delivery dates", "add_to_cart", 10000, 1480, None) in stored()
    assert ("Delivery dates", "revenue", 10000, None, 16900.0) in stored()
    latest = experiment.changes.filter(kind=ChangeKind.RESULTS).first()
    assert latest.summary == (
        "Results from Plain CSV file week-2.csv replaced the earlier ones"
    )
    old = {(r["variant"], r["metric"]): r for r in latest.before["results"]}
    assert old["Delivery dates", "add_to_cart"]["conversions"] == 1400
    assert old["Delivery dates", "revenue"]["sum"] == 16500.0
    # the import history lists both files
    history = admin_client.get(url("experiment-results-import", experiment.pk))
    page = history.content.decode()
    assert page.index("week-2.csv") < page.index("week-1.csv")


def test_the_preview_says_what_gets_nothing_and_which_stored_numbers_go(
    experiment, admin_client
):
    first = admin_client.get(upload(admin_client, experiment, OPTIMIZELY)["Location"])
    page = first.content.decode()
    assert (
        "nothing from this file goes to the variant “Delivery dates”, the metric "
        "“Revenue”, the metric “Support contacts”."
    ) in page
    assert "are removed" not in page  # nothing is stored yet
    apply_file(admin_client, experiment, PLAIN)
    only_cart = "\n".join(PLAIN.splitlines()[:3]) + "\n"
    preview = admin_client.get(upload(admin_client, experiment, only_cart)["Location"])
    page = preview.content.decode()
    assert (
        "nothing from this file goes to the metric “Revenue”, the metric “Support "
        "contacts”. Applying replaces all of this test's stored results, so "
        "the numbers stored for them are removed"
    ) in page


# --- the command --------------------------------------------------------------


def test_the_command_imports_with_the_mapping_given(
    experiment, admin_user, tmp_path, capsys
):
    source = tmp_path / "optimizely.csv"
    source.write_text(OPTIMIZELY.replace("Add to cart", "ATC"), encoding="utf-8")
    call_command(
        "import_experiment_results",
        str(source),
        experiment=experiment.pk,
        map_variant=["Variation #1=delivery dates"],
        map_metric=["ATC=add_to_cart"],
        by=admin_user.username,
    )
    out = capsys.readouterr().out
    assert out.strip() == "applied=2 ignored=0 rejected=0 results=replaced"
    assert stored() == [
        ("Control", "add_to_cart", 12408, 1093, None),
        ("Delivery dates", "add_to_cart", 12377, 1201, None),
    ]
    change = experiment.changes.get(kind=ChangeKind.RESULTS)
    assert change.changed_by == admin_user
    # the same file again: remembered mapping, nothing changes
    call_command("import_experiment_results", str(source), experiment=experiment.pk)
    assert capsys.readouterr().out.strip() == (
        "applied=2 ignored=0 rejected=0 results=unchanged"
    )


def test_the_command_refuses_a_name_the_file_does_not_have(experiment, tmp_path):
    source = tmp_path / "results.csv"
    source.write_text(PLAIN, encoding="utf-8")
    with pytest.raises(CommandError, match="the file has no variant “Variant B”"):
        call_command(
            "import_experiment_results",
            str(source),
            experiment=experiment.pk,
            map_variant=["Variant B=Delivery dates"],
        )
    with pytest.raises(CommandError, match="cannot be the conversion goal"):
        call_command(
            "import_experiment_results",
            str(source),
            experiment=experiment.pk,
            map_metric=["Revenue=add_to_cart", "add_to_cart="],
        )
    with pytest.raises(CommandError, match="No experiment with the id 999999"):
        call_command("import_experiment_results", str(source), experiment=999999)
    assert not ResultsImport.objects.exists()
    assert stored() == []
