"""Demo customer feedback: two help-desk exports, notes typed by agents, links."""

import random
from datetime import timedelta
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from backlog.demo.content import HYPOTHESES
from backlog.evidence import hypothesis_text, link_feedback, refresh_evidence
from backlog.feedback.capture import FeedbackInput, record_feedback
from backlog.feedback.importing.rows import CleanRow, digest
from backlog.feedback.importing.run import prepare_import, run_import
from backlog.feedback.importing.saving import FeedbackImportSummary, upsert_feedback
from backlog.feedback.privacy import pseudonym_key
from backlog.models import (
    Evidence,
    FeedbackImport,
    FeedbackItem,
    Hypothesis,
    ImportStatus,
    Status,
)
from backlog.similarity import rank, shared_words

DEMO_FILES = Path(__file__).resolve().parent / "exports"
EXPORTS = [("zendesk_tickets.csv", "sam"), ("intercom_conversations.csv", "lena")]
AGENT_NOTES = [
    (
        "sam",
        "call",
        "Caller could not find the returns label in the parcel and "
        "wanted to know if she must print one herself.",
        "returns",
    ),
    (
        "sam",
        "chat",
        "Customer asked three times whether the hiking boots come in "
        "wide fit; the product page only mentions 'regular'.",
        "sizing, product-page",
    ),
    (
        "lena",
        "email",
        "Asked why express delivery is not offered for the tent "
        "although the site said 'next day' on the category page.",
        "delivery",
    ),
    (
        "lena",
        "call",
        "Gave up on checkout because the voucher field only appears "
        "after entering card details.",
        "checkout, vouchers",
    ),
]
SCALED_ITEMS_PER_STEP = 400
SCALED_LINKS_PER_STEP = 120
# A link needs two words in common: one (“page”, “delivery”) is too little.
SHARED_MIN = 2
MAX_LINKS_PER_HYPOTHESIS = 25


def seed_feedback(workspace, scale: int = 1) -> str:
    organisation = workspace.organisation
    people = workspace.people
    added = []
    for name, username in EXPORTS:
        if (
            FeedbackImport.objects.for_org(organisation)
            .filter(original_name=name, status=ImportStatus.SUCCEEDED)
            .exists()
        ):
            continue
        with (DEMO_FILES / name).open("rb") as handle:
            feedback_import = prepare_import(
                organisation,
                uploaded=File(handle, name=name),
                original_name=name,
                by=people[username].user,
            )
        feedback_import.status = ImportStatus.QUEUED
        feedback_import.save(update_fields=["status"])
        added.append(run_import(feedback_import).created)
    with transaction.atomic():
        notes = _agent_notes(organisation, people)
        scaled = _scaled_items(organisation, scale)
        links = _links(organisation, people, scale)
    if not (added or notes or scaled or links):
        return "Feedback: the demo feedback exists; kept it."
    return (
        f"Feedback: imported {sum(added)} items from {len(added)} exports, "
        f"{notes} agent notes, {scaled} generated items, {links} evidence links."
    )


def _agent_notes(organisation, people) -> int:
    added = 0
    for username, source, text, themes in AGENT_NOTES:
        if FeedbackItem.objects.for_org(organisation).filter(text=text).exists():
            continue
        membership = people[username]
        record_feedback(
            organisation,
            FeedbackInput(text=text, source=source, themes=themes),
            by=membership.user,
            team=membership.team,
            mask_contacts=True,
            pseudonym_key=pseudonym_key(organisation),
        )
        added += 1
    return added


def _scaled_items(organisation, scale: int) -> int:
    """Extra items for large demos, written in bulk like an import."""
    wanted = (scale - 1) * SCALED_ITEMS_PER_STEP
    if wanted <= 0:
        return 0
    templates = list(
        FeedbackItem.objects.for_org(organisation)
        .exclude(source_system="demo")
        .values_list("text", "source", "page", "sentiment")[:500]
    )
    have = FeedbackItem.objects.for_org(organisation).filter(source_system="demo")
    start = have.count()
    if start >= wanted or not templates:
        return 0
    rng = random.Random(f"feedback-{scale}")  # noqa: S311 - repeatable demo data
    now = timezone.now()
    themes = [
        "checkout",
        "delivery",
        "sizing",
        "returns",
        "mobile",
        "search",
        "payment",
        "account",
        "pricing",
        "product-page",
    ]
    rows = []
    for n in range(start, wanted):
        text, source, page, sentiment = templates[n % len(templates)]
        row = CleanRow(
            line=0,
            external_id=f"demo-{n}",
            received_at=now - timedelta(minutes=rng.randint(60, 60 * 24 * 720)),
            text=text,
            source=source,
            customer=f"cust-demo{rng.randint(1, max(50, wanted // 3))}",
            page=page,
            product_area="",
            themes=rng.sample(themes, k=rng.randint(1, 2)),
            # The copy says what its template says, so it carries its tone.
            sentiment=sentiment,
        )
        row.digest = digest(row)
        rows.append(row)
    chunks = [rows[i : i + 5000] for i in range(0, len(rows), 5000)]
    summary = FeedbackImportSummary()
    upsert_feedback(organisation.pk, "demo", chunks, summary)
    return summary.created


def _links(organisation, people, scale: int) -> int:
    if Evidence.objects.for_org(organisation).exists():
        return 0
    linkers = [people[name].user for name in ("sam", "lena", "carla") if name in people]
    rng = random.Random("links")  # noqa: S311 - repeatable demo data
    count = 0
    best_for_text: dict[str, tuple[int, float] | None] = {}
    per_hypothesis: dict[int, int] = {}
    items = (
        FeedbackItem.objects.for_org(organisation)
        .exclude(source_system="demo")
        .order_by("-received_at")
    )
    # The demo's own hypotheses (not their copies at larger scales), compared in
    # memory with the same relevance measure (BM25) that suggests links in the app.
    base = {
        h.pk: h
        for h in Hypothesis.objects.for_org(organisation).filter(
            title__in=[spec[0] for spec in HYPOTHESES], status__in=Status.open()
        )
    }
    candidates = [(pk, hypothesis_text(h)) for pk, h in base.items()]
    for item in items:
        if item.text not in best_for_text:
            ranked = rank(item.text, candidates, limit=1)
            best_for_text[item.text] = ranked[0] if ranked else None
        best = best_for_text[item.text]
        if best is None:
            continue
        hypothesis = base[best[0]]
        if len(shared_words(item.text, hypothesis_text(hypothesis))) < SHARED_MIN:
            continue
        if per_hypothesis.get(hypothesis.pk, 0) >= MAX_LINKS_PER_HYPOTHESIS:
            continue
        per_hypothesis[hypothesis.pk] = per_hypothesis.get(hypothesis.pk, 0) + 1
        link_feedback(
            hypothesis,
            item,
            by=rng.choice(linkers),
            importance=rng.choice([1, 1, 2, 3]),
        )
        count += 1
    wanted = (scale - 1) * SCALED_LINKS_PER_STEP
    if wanted > 0:
        hypothesis_ids = list(
            Hypothesis.objects.for_org(organisation).values_list("pk", flat=True)
        )
        received = dict(
            FeedbackItem.objects.for_org(organisation)
            .filter(source_system="demo")
            .values_list("pk", "received_at")[: wanted * 2]
        )
        item_ids = list(received)
        pairs = {
            (rng.choice(hypothesis_ids), rng.choice(item_ids)) for _ in range(wanted)
        }
        now = timezone.now()
        Evidence.objects.bulk_create(
            [
                Evidence(
                    hypothesis_id=h,
                    feedback_item_id=i,
                    importance=rng.randint(0, 3),
                    linked_by=rng.choice(linkers),
                    # Linked a few days after the item came in, as agents do.
                    linked_at=min(
                        now, received[i] + timedelta(hours=rng.randint(2, 120))
                    ),
                )
                for h, i in pairs
            ],
            batch_size=2000,
        )
        refresh_evidence({h for h, _ in pairs})
        count += len(pairs)
    return count
