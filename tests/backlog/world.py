"""Objects of the backlog for the isolation walker (tests/test_isolation.py)."""

from django.core.files.base import ContentFile

from backlog.authoring import save_hypothesis
from backlog.backlog_import.importing import prepare_import as prepare_backlog_import
from backlog.evidence import link_feedback
from backlog.experiments.recording import VariantNumbers, record_experiment
from backlog.feedback.capture import FeedbackInput, record_feedback
from backlog.feedback.importing.run import prepare_import
from backlog.models import Experiment, Hypothesis, Page
from backlog.scoring.frameworks import Framework
from backlog.scoring.recording import score_hypothesis


def objects_of(organisation, people) -> dict:
    """Map URL parameter names to ids of backlog objects of `organisation`."""
    page = Page.objects.create(
        organisation=organisation,
        name="Checkout",
        daily_visitors=1000,
        baseline_conversion_rate="4.0",
    )
    hypothesis = save_hypothesis(
        Hypothesis(
            organisation=organisation,
            title="Show delivery dates",
            metric="Orders",
            page=page,
        ),
        by=people["contributor"],
        new_tag_names=["shipping"],
    )
    score_hypothesis(
        hypothesis,
        scorer=people["editor"],
        framework=Framework.ICE,
        values={"impact": 7, "confidence": 5, "ease": 6},
    )
    experiment = record_experiment(
        Experiment(hypothesis=hypothesis, name="Dates A/B"),
        [
            VariantNumbers("Control", 1000, 40, is_control=True),
            VariantNumbers("Dates", 1000, 52),
        ],
        by=people["editor"],
    )
    item = record_feedback(
        organisation,
        FeedbackInput(text="Where is my parcel?", source="chat", themes="delivery"),
        by=people["contributor"],
        team=None,
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
    evidence = link_feedback(hypothesis, item, by=people["contributor"])
    return {
        "evidence_id": evidence.pk,
        "theme_id": item.themes.get().pk,
        "hypothesis_id": hypothesis.pk,
        "experiment_id": experiment.pk,
        "page_id": page.pk,
        "feedback_item_id": item.pk,
        "feedback_import_id": feedback_import.pk,
        "backlog_import_id": backlog_import.pk,
    }
