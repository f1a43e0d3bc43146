"""Hypotheses: their kinds, statuses and results, the fields people edit, and
the reads of the backlog (its ranking, the board's best cards per status)."""

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from backlog.completeness import STRUCTURED_PARTS, missing_parts
from backlog.models.pages import Page, Tag
from backlog.scoring.frameworks import Framework
from cromaturity.models import Organisation, OrgQuerySet, Team


class Kind(models.TextChoices):
    TEST = "test", "Test idea"
    IMPROVEMENT = "improvement", "Improvement"


class Status(models.TextChoices):
    IDEA = "idea", "Idea"
    BACKLOG = "backlog", "Backlog"
    READY = "ready", "Ready"
    RUNNING = "running", "Running"
    ANALYSING = "analysing", "Analysing"
    CONCLUDED = "concluded", "Concluded"
    PARKED = "parked", "Parked"
    REJECTED = "rejected", "Rejected"

    @classmethod
    def open(cls) -> list["Status"]:
        """Statuses of hypotheses still on their way to a result."""
        return [cls.IDEA, cls.BACKLOG, cls.READY, cls.RUNNING, cls.ANALYSING]


# A hypothesis that reached *ready* has passed its checks; these stay true after.
FROM_READY_ON = [Status.READY, Status.RUNNING, Status.ANALYSING, Status.CONCLUDED]


class Result(models.TextChoices):
    WON = "won", "Won"
    LOST = "lost", "Lost"
    INCONCLUSIVE = "inconclusive", "Inconclusive"


# What people write on a hypothesis's form, in the form's order: the description,
# the outcome once concluded, and an improvement item's maturity point. An update
# writes these and no other column (backlog/authoring.py), so that it never puts
# back aggregates read a moment earlier.
DESCRIPTION_FIELDS = [
    "title",
    "kind",
    "observation",
    "change",
    "audience",
    "impact",
    "metric",
    "page",
    "owner",
    "team",
]
OUTCOME_FIELDS = ["result", "learning"]
IMPROVEMENT_FIELDS = ["point_key", "source_assessment"]
EDITED_FIELDS = [*DESCRIPTION_FIELDS, *OUTCOME_FIELDS, *IMPROVEMENT_FIELDS]

SCORE_FIELDS = {framework: f"{framework}_score" for framework in Framework.values}
# After the score: stronger evidence from customer feedback, more linked items,
# the older hypothesis, and the id so that the order is total.
RANK_TIE_BREAKS = ["-evidence_strength", "-evidence_items", "created_at", "pk"]


class HypothesisQuerySet(OrgQuerySet):
    def ranked(self, framework: Framework = Framework.ICE):
        """Best primary score first, unscored last; ties to stronger evidence, then age.

        Mirrors `scoring.frameworks.rank_key`: after the score, stronger evidence from
        customer feedback first.
        """
        field = SCORE_FIELDS[Framework(framework)]
        return self.order_by(F(field).desc(nulls_last=True), *RANK_TIE_BREAKS)

    def ranked_ahead_of(self, hypothesis, framework: Framework = Framework.ICE):
        """Those that `ranked(framework)` puts before `hypothesis`."""
        field = SCORE_FIELDS[Framework(framework)]
        score = getattr(hypothesis, field)
        if score is None:
            ahead = Q(**{f"{field}__isnull": False})
            tie = Q(**{f"{field}__isnull": True})
        else:
            ahead, tie = Q(**{f"{field}__gt": score}), Q(**{field: score})
        for order in RANK_TIE_BREAKS:
            name = order.removeprefix("-")
            value = getattr(hypothesis, name)
            lookup = "gt" if order.startswith("-") else "lt"
            ahead |= tie & Q(**{f"{name}__{lookup}": value})
            tie &= Q(**{name: value})
        return self.filter(ahead)

    def search(self, text: str):
        """Hypotheses whose title or any structured part contains every word."""
        queryset = self
        for word in text.split():
            condition = Q()
            for field in ["title", *SEARCHED_PARTS]:
                condition |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(condition)
        return queryset

    def for_list(self):
        """What a row of the list, the board or the learnings shows, in few queries."""
        return self.select_related("page", "owner", "team").prefetch_related("tags")

    def concluded(self):
        return self.filter(status=Status.CONCLUDED)

    def count_per_status(self) -> dict[str, int]:
        return dict(
            self.order_by()
            .values("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )

    def best_per_status(self, n: int, framework: Framework = Framework.ICE):
        """The `n` best-scored of each status (oldest first on a tie), in that order.

        One query with a window function picks them for all statuses at once.
        """
        ranking = [
            F(SCORE_FIELDS[Framework(framework)]).desc(nulls_last=True),
            F("created_at").asc(),
            F("pk").asc(),
        ]
        place = Window(RowNumber(), partition_by=[F("status")], order_by=ranking)
        # The window ranks only keys; the rows are then read whole, a few per
        # status (the slice tells the database how few).
        best = self.annotate(place=place).filter(place__lte=n)
        shown = best.values("pk")[: n * len(Status)]
        return Hypothesis.objects.filter(pk__in=shown).order_by(*ranking)


SEARCHED_PARTS = [field for field, _ in STRUCTURED_PARTS if field != "page_id"] + [
    "learning"
]


class Hypothesis(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="hypotheses"
    )
    title = models.CharField(max_length=200)
    observation = models.TextField(
        "because we saw",
        blank=True,
        help_text="The observation, data or feedback that prompted the idea.",
    )
    change = models.TextField(
        "we expect that", blank=True, help_text="The change you propose."
    )
    audience = models.CharField(
        "for",
        max_length=300,
        blank=True,
        help_text="The audience or page the change is for.",
    )
    impact = models.TextField(
        "will cause", blank=True, help_text="The effect you expect the change to have."
    )
    metric = models.CharField(
        "measured by",
        max_length=200,
        blank=True,
        help_text="The primary metric that decides the test.",
    )
    page = models.ForeignKey(
        Page,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hypotheses",
        verbose_name="page or funnel step",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_hypotheses",
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hypotheses",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="hypotheses")
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.TEST)
    status = models.CharField(max_length=20, choices=Status, default=Status.IDEA)
    result = models.CharField(max_length=20, choices=Result, blank=True)
    learning = models.TextField(
        blank=True, help_text="What the organisation learned, win or lose."
    )
    result_reason = models.TextField(
        "why the result stands",
        blank=True,
        help_text="Written when the result goes against the test's numbers.",
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    concluded_at = models.DateTimeField(null=True, blank=True)
    # Counts the saves people make (edits, moves), so that a form opened on an
    # older version is refused instead of overwriting it (backlog/conflicts.py).
    # The derived aggregates below do not count: no form edits them.
    version = models.PositiveIntegerField(default=1, editable=False)

    # Aggregates of the scores, kept by scoring.score_hypothesis in the same
    # transaction as the score, so that the list sorts and filters in the database.
    ice_score = models.FloatField(null=True, blank=True, editable=False)
    ice_count = models.PositiveIntegerField(default=0, editable=False)
    ice_disagreement = models.BooleanField(default=False, editable=False)
    pie_score = models.FloatField(null=True, blank=True, editable=False)
    pie_count = models.PositiveIntegerField(default=0, editable=False)
    pie_disagreement = models.BooleanField(default=False, editable=False)
    pxl_score = models.FloatField(null=True, blank=True, editable=False)
    pxl_count = models.PositiveIntegerField(default=0, editable=False)
    pxl_disagreement = models.BooleanField(default=False, editable=False)
    # Evidence from customer feedback, kept in step by backlog/evidence.py.
    evidence_items = models.PositiveIntegerField(default=0, editable=False)
    evidence_customers = models.PositiveIntegerField(default=0, editable=False)
    evidence_channels = models.PositiveSmallIntegerField(default=0, editable=False)
    evidence_latest = models.DateTimeField(null=True, blank=True, editable=False)
    evidence_strength = models.PositiveSmallIntegerField(
        default=0,
        editable=False,
        help_text="The suggested confidence from linked feedback, 0 without any.",
    )
    # Improvement work from the maturity assessment: the point it improves (its
    # stable key, so later assessments find it too) and the assessment it came from.
    point_key = models.CharField(
        "assessment point",
        max_length=10,
        blank=True,
        help_text="The maturity point this improvement item works on, e.g. S3.",
    )
    source_assessment = models.ForeignKey(
        "assessments.Assessment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="improvement_items",
    )

    objects = HypothesisQuerySet.as_manager()

    # Set by backlog.views.board on the cards it shows.
    move_options: str
    refusal: str | None
    just_moved: bool
    # Set by backlog.experiments.outcomes on the rows and cards it reads for:
    # the failed guardrails of its experiments (FailedGuardrail values).
    failed_guardrails: list[object]

    class Meta:
        verbose_name_plural = "hypotheses"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["organisation", "ice_score"]),
            models.Index(fields=["organisation", "pie_score"]),
            models.Index(fields=["organisation", "pxl_score"]),
            models.Index(fields=["organisation", "created_at"]),
            models.Index(
                fields=["organisation", "point_key"],
                condition=~Q(point_key=""),
                name="hypothesis_point_key",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="hypothesis_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values), name="hypothesis_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=Status.CONCLUDED, result__in=Result.values)
                | (~Q(status=Status.CONCLUDED) & Q(result="")),
                name="hypothesis_result_only_when_concluded",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.CONCLUDED)
                | (~Q(learning="") & Q(concluded_at__isnull=False)),
                name="hypothesis_concluded_has_learning",
            ),
            models.CheckConstraint(
                condition=Q(status=Status.CONCLUDED) | Q(result_reason=""),
                name="hypothesis_result_reason_only_when_concluded",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=FROM_READY_ON) | ~Q(metric=""),
                name="hypothesis_metric_from_ready_on",
            ),
            models.CheckConstraint(
                condition=Q(ice_score__isnull=True)
                | Q(ice_score__gte=1, ice_score__lte=1000),
                name="hypothesis_ice_score_in_range",
            ),
            models.CheckConstraint(
                condition=Q(pie_score__isnull=True)
                | Q(pie_score__gte=1, pie_score__lte=10),
                name="hypothesis_pie_score_in_range",
            ),
            models.CheckConstraint(
                condition=Q(pxl_score__isnull=True)
                | Q(pxl_score__gte=0, pxl_score__lte=14),
                name="hypothesis_pxl_score_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "backlog:hypothesis-detail", args=[self.organisation.slug, self.pk]
        )

    @property
    def missing_parts(self) -> list[str]:
        return missing_parts(
            {field: getattr(self, field) for field, _ in STRUCTURED_PARTS}
        )

    @property
    def completeness(self) -> tuple[int, int]:
        """Structured parts filled in, out of all of them."""
        total = len(STRUCTURED_PARTS)
        return total - len(self.missing_parts), total

    @property
    def score_total(self) -> int:
        return self.ice_count + self.pie_count + self.pxl_count

    def score_of(self, framework: Framework) -> float | None:
        return getattr(self, SCORE_FIELDS[Framework(framework)])

    def count_of(self, framework: Framework) -> int:
        return getattr(self, f"{Framework(framework)}_count")

    def disagreement_in(self, framework: Framework) -> bool:
        return getattr(self, f"{Framework(framework)}_disagreement")

    @property
    def is_concluded(self) -> bool:
        return self.status == Status.CONCLUDED

    @property
    def awaits_test(self) -> bool:
        """A test idea still on its way, for which test duration matters."""
        return self.kind == Kind.TEST and self.status in Status.open()

    def editable_by(self, membership) -> bool:
        """Editors edit everything; contributors their own hypotheses while ideas."""
        if membership.can_edit:
            return True
        return (
            membership.can_contribute
            and self.created_by_id == membership.user_id
            and self.status == Status.IDEA
        )
