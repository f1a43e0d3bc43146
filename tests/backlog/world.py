"""Objects of the backlog for the isolation walker (tests/test_isolation.py)."""

from django.core.files.base import ContentFile

from backlog.backlog_import.importing import prepare_import as prepare_backlog_import
from backlog.evidence import link_feedback
from backlog.experiments.results_importing import prepare_results_import
from backlog.experiments.sharing import create_share_link
from backlog.feedback.importing.run import prepare_import
from backlog.funnels.importing import create_funnel_from_file, prepare_funnel_import
from tests.backlog.factories import (
    give_ice,
    make_experiment,
    make_feedback,
    make_hypothesis,
    make_metric,
    make_page,
)


def objects_of(organisation, people) -> dict:
    """Map URL parameter names to ids of backlog objects of `organisation`."""
    page = make_page(
        organisation, url="", daily_visitors=1000, baseline_conversion_rate="4.0"
    )
    hypothesis = make_hypothesis(
        organisation, by=people["contributor"], page=page, tags=["shipping"]
    )
    give_ice(hypothesis, people["editor"], 7, 5, 6)
    experiment = make_experiment(
        hypothesis, ("Control", 1000, 40), ("Dates", 1000, 52), by=people["editor"]
    )
    item = make_feedback(
        organisation,
        "Where is my parcel?",
        by=people["contributor"],
        themes="delivery",
        mask_contacts=True,
        pseudonym_key=b"k",
    )
    feedback_import = prepare_import(
        organisation,
        uploaded=ContentFile(b"Id,Description\n1,Hello\n", name="t.csv"),
        original_name="t.csv",
        by=people["contributor"],
    )
    backlog_import = prepare_backlog_import(
        organisation,
        uploaded=ContentFile(b"Id,Title\n1,Guest checkout\n", name="b.csv"),
        original_name="b.csv",
        by=people["editor"],
    )
    results_import = prepare_results_import(
        experiment,
        b"variant,metric,visitors,conversions,sum,sum_squares\n"
        b"Control,orders,1000,40,,\n",
        filename="results.csv",
        by=people["editor"],
    )
    evidence = link_feedback(hypothesis, item, by=people["contributor"])
    experiment_share_link = create_share_link(experiment, by=people["editor"], days=30)
    metric = make_metric(organisation, "newsletter", "Newsletter sign-up")
    funnel = create_funnel_from_file(organisation, "Checkout", ["Cart", "Purchase"])
    funnel_import = prepare_funnel_import(
        funnel, b"date,step,count\n2024-03-01,Cart,10\n", by=people["editor"]
    )
    return {
        "funnel_id": funnel.pk,
        "funnel_import_id": funnel_import.pk,
        "metric_id": metric.pk,
        "evidence_id": evidence.pk,
        "theme_id": item.themes.get().pk,
        "hypothesis_id": hypothesis.pk,
        "experiment_id": experiment.pk,
        "experiment_share_link_id": experiment_share_link.pk,
        "page_id": page.pk,
        "feedback_item_id": item.pk,
        "feedback_import_id": feedback_import.pk,
        "backlog_import_id": backlog_import.pk,
        "results_import_id": results_import.pk,
    }
