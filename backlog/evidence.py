"""Linking customer feedback to hypotheses, and what the links add up to."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from backlog.authoring import save_hypothesis
from backlog.configuration import settings_for
from backlog.feedback.search import Term, relevant_ids
from backlog.models import Evidence, FeedbackItem, Hypothesis, Kind, Status, Theme
from backlog.scoring.frameworks import (
    EvidenceSummary,
    Framework,
    IceMode,
    suggested_confidence,
)
from backlog.scoring.recording import refresh_scores
from backlog.similarity import group_alike, language, rank, shared_words, terms
from collaboration import events
from cromaturity.bulk_writes import update_objects

TITLE_LENGTH = 120


class EvidenceError(ValueError):
    """A link the rules refuse; the message is for people."""


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def clean_snippet(item: FeedbackItem, snippet: str) -> str:
    """The snippet as quoted, checked to be words of the item's text."""
    snippet = _normalise(snippet)
    if snippet and snippet.casefold() not in _normalise(item.text).casefold():
        raise EvidenceError(
            "The quote must be words from the feedback; select them in the text."
        )
    return snippet


@transaction.atomic
def link_feedback(
    hypothesis: Hypothesis,
    item: FeedbackItem,
    *,
    by,
    snippet: str = "",
    importance: int = 1,
) -> Evidence:
    """Link `item` to `hypothesis` as evidence; linking again updates the quote."""
    if hypothesis.organisation_id != item.organisation_id:
        raise EvidenceError("That feedback belongs to another organisation.")
    if not 0 <= importance <= 3:
        raise EvidenceError("Importance goes from 0 to 3.")
    snippet = clean_snippet(item, snippet)
    Hypothesis.objects.select_for_update().filter(pk=hypothesis.pk).first()
    evidence = (
        Evidence.objects.active()
        .filter(hypothesis=hypothesis, feedback_item=item)
        .first()
    )
    if evidence is None:
        evidence = Evidence.objects.create(
            hypothesis=hypothesis,
            feedback_item=item,
            snippet=snippet,
            importance=importance,
            linked_by=by,
        )
        events.feedback_linked(evidence, by=by)
    else:
        evidence.snippet = snippet or evidence.snippet
        evidence.importance = importance
        evidence.save(update_fields=["snippet", "importance"])
    refresh_evidence([hypothesis.pk])
    return evidence


@transaction.atomic
def unlink_feedback(evidence: Evidence, *, by) -> Evidence:
    """End a link; the row stays as the record of who linked and unlinked it."""
    if evidence.unlinked_at is None:
        evidence.unlinked_at = timezone.now()
        evidence.unlinked_by = by
        evidence.save(update_fields=["unlinked_at", "unlinked_by"])
        refresh_evidence([evidence.hypothesis_id])
        events.feedback_unlinked(evidence, by=by)
    return evidence


def refresh_evidence(hypothesis_ids: Iterable[int]) -> None:
    """Recompute the evidence aggregates of these hypotheses, and their PXL scores.

    Customers without a reference (typed without one) count one each.
    """
    ids = list(set(hypothesis_ids))
    if not ids:
        return
    now = timezone.now()
    stats = {
        row["hypothesis_id"]: row
        for row in Evidence.objects.active()
        .filter(hypothesis_id__in=ids)
        .values("hypothesis_id")
        .annotate(
            items=Count("feedback_item", distinct=True),
            known=Count(
                "feedback_item__customer_ref",
                distinct=True,
                filter=~Q(feedback_item__customer_ref=""),
            ),
            unknown=Count("feedback_item", filter=Q(feedback_item__customer_ref="")),
            channels=Count("feedback_item__source", distinct=True),
            latest=Max("feedback_item__received_at"),
        )
        .order_by()
    }
    hypotheses = list(
        Hypothesis.objects.filter(pk__in=ids).order_by("pk").select_for_update()
    )
    for hypothesis in hypotheses:
        row = stats.get(hypothesis.pk)
        summary = EvidenceSummary(
            items=row["items"] if row else 0,
            customers=(row["known"] + row["unknown"]) if row else 0,
            channels=row["channels"] if row else 0,
            latest=row["latest"] if row else None,
        )
        suggestion = suggested_confidence(summary, now)
        hypothesis.evidence_items = summary.items
        hypothesis.evidence_customers = summary.customers
        hypothesis.evidence_channels = summary.channels
        hypothesis.evidence_latest = summary.latest
        hypothesis.evidence_strength = suggestion.value if suggestion else 0
    update_objects(
        hypotheses,
        [
            "evidence_items",
            "evidence_customers",
            "evidence_channels",
            "evidence_latest",
            "evidence_strength",
        ],
    )
    by_organisation: dict[int, list[Hypothesis]] = {}
    for hypothesis in hypotheses:
        by_organisation.setdefault(hypothesis.organisation_id, []).append(hypothesis)
    for group in by_organisation.values():
        ice_mode = IceMode(settings_for(group[0].organisation).ice_mode)
        refresh_scores(group, [Framework.PXL], ice_mode=ice_mode)


def refresh_evidence_of_items(item_ids: Iterable[int]) -> None:
    """After feedback items changed, refresh the hypotheses they support."""
    ids = list(item_ids)
    hypothesis_ids = set()
    for start in range(0, len(ids), 5000):
        hypothesis_ids.update(
            Evidence.objects.active()
            .filter(feedback_item_id__in=ids[start : start + 5000])
            .values_list("hypothesis_id", flat=True)
        )
    refresh_evidence(hypothesis_ids)


def summary_of(hypothesis: Hypothesis) -> EvidenceSummary:
    return EvidenceSummary(
        items=hypothesis.evidence_items,
        customers=hypothesis.evidence_customers,
        channels=hypothesis.evidence_channels,
        latest=hypothesis.evidence_latest,
    )


@dataclass
class Draft:
    """A new hypothesis's form, pre-filled from feedback, and the items it quotes."""

    initial: dict
    items: list[FeedbackItem]
    source: str
    back_url: str


def _quote(item: FeedbackItem, length: int) -> str:
    text = _normalise(item.text)
    if len(text) > length:
        text = text[: length - 1].rsplit(" ", 1)[0] + "…"
    return f"“{text}”"


def _title_for_theme(name: str) -> str:
    return f"Customers struggle with {name}"[:TITLE_LENGTH]


def draft_from_feedback(item: FeedbackItem) -> Draft:
    """An idea whose *because we saw* quotes the feedback; nothing is saved."""
    theme_names = list(item.themes.values_list("name", flat=True))
    observation = (
        f"Customer feedback ({item.get_source_display().lower()}, "
        f"{item.received_at:%d %b %Y}): {_quote(item, 1500)}"
    )
    initial = {
        "observation": observation,
        "kind": Kind.TEST,
        "new_tags": ", ".join(theme_names[:5]),
    }
    if theme_names:
        initial["title"] = _title_for_theme(theme_names[0])
    return Draft(
        initial=initial,
        items=[item],
        source="this feedback item",
        back_url=item.get_absolute_url(),
    )


THEME_EXAMPLES = 5


def draft_from_theme(theme: Theme) -> Draft:
    """An idea for a theme no hypothesis addresses, quoting its newest items."""
    found = FeedbackItem.objects.filter(themes=theme).order_by("-received_at")
    items = list(found[:THEME_EXAMPLES])
    total = found.count()
    examples = " ".join(_quote(item, 200) for item in items[:3])
    initial = {
        "title": _title_for_theme(theme.name),
        "observation": f"{total} feedback items raise “{theme.name}”. {examples}",
        "kind": Kind.TEST,
        "new_tags": theme.name,
    }
    return Draft(
        initial=initial,
        items=items,
        source=f"the {len(items)} newest feedback items of “{theme.name}”",
        back_url=reverse("feedback:theme-list", args=[theme.organisation.slug]),
    )


@transaction.atomic
def propose_with_evidence(
    hypothesis: Hypothesis,
    items: Iterable[FeedbackItem],
    *,
    by,
    tags: Iterable = (),
    new_tag_names: Iterable[str] = (),
    importance: int = 1,
) -> Hypothesis:
    """Save a new idea and link the feedback it was drafted from, or neither."""
    hypothesis = save_hypothesis(
        hypothesis, by=by, tags=tags, new_tag_names=new_tag_names
    )
    for item in items:
        link_feedback(hypothesis, item, by=by, importance=importance)
    hypothesis.refresh_from_db()
    return hypothesis


SUGGESTIONS = 5
# Near-identical tickets are grouped among this many of the best relevance
# scores (copies of a ticket share one), so that five suggestions are five
# different things customers said.
CANDIDATES = 60
# Items offered together as saying the same, and attached together.
MAX_ALIKE = 200
QUERY_TERMS = 24
TITLE_WEIGHT = 1.5
HYPOTHESIS_CANDIDATES = 2000


@dataclass
class Suggestion:
    """A feedback item offered as evidence, with the items saying the same."""

    item: FeedbackItem
    alike: list[FeedbackItem] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return 1 + len(self.alike)

    @property
    def items(self) -> list[FeedbackItem]:
        return [self.item, *self.alike]


def group_items(items: Iterable[FeedbackItem], query: str = "") -> list[Suggestion]:
    """The items grouped by near-identical texts, in their order."""
    by_pk = {item.pk: item for item in items}
    groups = group_alike([(pk, item.text) for pk, item in by_pk.items()])
    return [
        Suggestion(
            item=by_pk[first],
            alike=[by_pk[pk] for pk in rest],
            shared=shared_words(query, by_pk[first].text) if query else [],
        )
        for first, *rest in groups
    ]


def group_evidence(evidence: Sequence[Evidence]) -> list[list[Evidence]]:
    """Evidence links grouped by near-identical feedback, in their order."""
    by_pk = {link.pk: link for link in evidence}
    groups = group_alike([(pk, link.feedback_item.text) for pk, link in by_pk.items()])
    return [[by_pk[pk] for pk in group] for group in groups]


def hypothesis_text(hypothesis: Hypothesis) -> str:
    return " ".join(
        [hypothesis.title, hypothesis.observation, hypothesis.change, hypothesis.impact]
    )


def query_terms(hypothesis: Hypothesis) -> list[Term]:
    """The words to look for feedback with: the title's count half as much again."""
    weights: dict[str, float] = {}
    for word in terms(hypothesis.title):
        weights.setdefault(word, TITLE_WEIGHT)
    for word in terms(hypothesis_text(hypothesis)):
        weights.setdefault(word, 1.0)
    return [Term(word, weight) for word, weight in weights.items()][:QUERY_TERMS]


def hypotheses_like(item: FeedbackItem, limit: int = SUGGESTIONS):
    """Open hypotheses most relevant to the feedback, not yet linked, with the
    words they share with it."""
    linked = Evidence.objects.active().filter(feedback_item=item).values("hypothesis")
    candidates = list(
        Hypothesis.objects.for_org(item.organisation_id)
        .filter(status__in=Status.open())
        .exclude(pk__in=linked)
        .order_by("-created_at")
        .only("pk", "title", "observation", "change", "impact", "status")[
            :HYPOTHESIS_CANDIDATES
        ]
    )
    by_pk = {h.pk: h for h in candidates}
    ranked = rank(item.text, [(pk, hypothesis_text(h)) for pk, h in by_pk.items()])
    return [
        (by_pk[pk], shared_words(item.text, hypothesis_text(by_pk[pk])))
        for pk, _ in ranked[:limit]
    ]


def feedback_like(hypothesis: Hypothesis, limit: int = SUGGESTIONS) -> list[Suggestion]:
    """Feedback most relevant to the hypothesis, not yet linked to it, with
    near-identical items grouped."""
    text = hypothesis_text(hypothesis)
    ids = relevant_ids(
        hypothesis.organisation_id,
        query_terms(hypothesis),
        language=language(text),
        hypothesis_id=hypothesis.pk,
        limit=CANDIDATES,
        per_score=MAX_ALIKE,
    )
    found = FeedbackItem.objects.filter(pk__in=ids).only(
        "pk", "text", "source", "received_at"
    )
    by_pk = {item.pk: item for item in found}
    return group_items([by_pk[pk] for pk in ids if pk in by_pk], query=text)[:limit]
