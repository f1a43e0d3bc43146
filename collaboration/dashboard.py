"""What the organisation's home page shows, in a fixed number of queries.

Every panel reads at most a few rows, so the page costs the same whether the
organisation has ten hypotheses or ten thousand. The top-ranked hypotheses are
the top of the whole backlog, ranked as the list ranks them, with the member's
team marked; running tests and learnings show the member's own team's first.
An empty panel asks one more question (is there any feedback, any theme, any
hypothesis at all?) so that it can say honestly what to do first.
"""

from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Count, Prefetch, Q

from assessments import scoring
from assessments.models import Assessment, AssessmentStatus, Response
from assessments.scorecards import ScorecardSummary, trend
from backlog.configuration import settings_for
from backlog.funnels.overview import FunnelLeak, biggest_leak_of
from backlog.models import FeedbackItem, Hypothesis, Status, Theme
from backlog.scoring.frameworks import Framework
from collaboration.models import Activity
from cromaturity.models import Invitation, Membership, Organisation, Role, Team

PANEL_SIZE = 5
PEOPLE_PER_TEAM = 8
OPEN_ASSESSMENTS = 3
NOT_STARTED = [Status.IDEA, Status.BACKLOG, Status.READY]
ANSWERING_ROLES = [Role.CONTRIBUTOR, Role.EDITOR, Role.ADMIN]


@dataclass
class Maturity:
    current: ScorecardSummary
    previous: ScorecardSummary | None
    trend_svg: str | None

    @property
    def score(self) -> Fraction | None:
        return self.current.overall

    @property
    def level(self) -> int | None:
        return scoring.level_of(self.current.overall)

    @property
    def level_name(self) -> str:
        return scoring.level_name(self.current.overall)

    @property
    def index(self) -> float | None:
        return scoring.index_of(self.current.overall)

    @property
    def index_change(self) -> float | None:
        if self.previous is None:
            return None
        now, before = self.index, scoring.index_of(self.previous.overall)
        if now is None or before is None:
            return None
        return now - before


def maturity(organisation) -> Maturity | None:
    """The latest closed assessment's level and index, and the trend."""
    history, svg = trend(organisation)
    if not history:
        return None
    return Maturity(
        current=history[-1],
        previous=history[-2] if len(history) > 1 else None,
        trend_svg=svg,
    )


@dataclass
class OpenAssessment:
    assessment: Assessment
    submitted: int
    started: int
    invited: int
    mine: str  # "", "started" or "submitted"

    @property
    def in_progress(self) -> int:
        return self.started - self.submitted

    @property
    def percent(self) -> int:
        if not self.invited:
            return 0
        return min(100, round(100 * self.submitted / self.invited))


def open_assessments(organisation, user_id: int) -> list[OpenAssessment]:
    assessments = list(
        Assessment.objects.for_org(organisation)
        .filter(status=AssessmentStatus.OPEN)
        .select_related("organisation")
        .annotate(
            submitted=Count(
                "responses", filter=Q(responses__submitted_at__isnull=False)
            ),
            started=Count("responses"),
        )
        .order_by("-opened_at", "-pk")[:OPEN_ASSESSMENTS]
    )
    if not assessments:
        return []
    invited = (
        Membership.objects.for_org(organisation)
        .filter(role__in=ANSWERING_ROLES)
        .count()
    )
    mine = {
        assessment_id: "submitted" if submitted else "started"
        for assessment_id, submitted in Response.objects.filter(
            assessment__in=assessments, respondent_id=user_id
        ).values_list("assessment_id", "submitted_at")
    }
    return [
        OpenAssessment(
            assessment=a,
            submitted=a.submitted,
            started=a.started,
            invited=max(invited, a.started),
            mine=mine.get(a.pk, ""),
        )
        for a in assessments
    ]


def _team_first(queryset, team_id, *ordering) -> list[Hypothesis]:
    """The first few of `queryset` in `ordering`, the member's team's first.

    Read as two short queries, the team's and everyone else's, so each can walk
    an index in `ordering` and stop after a few rows; ordering by "is it my team"
    first would make the database sort every match of the organisation.
    """
    hypotheses = queryset.select_related("owner", "team", "page").order_by(*ordering)
    if team_id is None:
        return list(hypotheses[:PANEL_SIZE])
    mine = list(hypotheses.filter(team_id=team_id)[:PANEL_SIZE])
    others = list(hypotheses.exclude(team_id=team_id)[:PANEL_SIZE])
    return (mine + others)[:PANEL_SIZE]


@dataclass
class Dashboard:
    maturity: Maturity | None
    open_assessments: list[OpenAssessment]
    primary: Framework
    top: list[Hypothesis]
    running: list[Hypothesis]
    learnings: list[Hypothesis]
    themes: list[Theme]
    activity: list[Activity]
    team_id: int | None
    has_hypotheses: bool
    has_feedback: bool
    has_themes: bool
    leak: FunnelLeak | None = None


def build_dashboard(organisation, membership) -> Dashboard:
    team_id = membership.team_id
    primary = Framework(settings_for(organisation).primary_framework)
    hypotheses = Hypothesis.objects.for_org(organisation)
    top = list(
        hypotheses.filter(status__in=NOT_STARTED)
        .ranked(primary)
        .select_related("owner", "team", "page")[:PANEL_SIZE]
    )
    running = _team_first(
        hypotheses.filter(status=Status.RUNNING),
        team_id,
        "-status_changed_at",
        "-pk",
    )
    learnings = _team_first(hypotheses.concluded(), team_id, "-concluded_at", "-pk")
    for hypothesis in (*top, *running, *learnings):
        hypothesis.organisation = organisation  # for their links, without a query
    themes = list(Theme.objects.for_org(organisation).unaddressed()[:PANEL_SIZE])
    has_feedback = bool(themes) or FeedbackItem.objects.for_org(organisation).exists()
    activity = list(Activity.objects.for_org(organisation).for_feed()[: PANEL_SIZE + 1])
    return Dashboard(
        maturity=maturity(organisation),
        open_assessments=open_assessments(organisation, membership.user_id),
        primary=primary,
        top=top,
        running=running,
        learnings=learnings,
        themes=themes,
        activity=activity,
        team_id=team_id,
        has_hypotheses=bool(top or running or learnings) or hypotheses.exists(),
        has_feedback=has_feedback,
        has_themes=bool(themes)
        or (has_feedback and Theme.objects.for_org(organisation).exists()),
        leak=biggest_leak_of(organisation),
    )


def people_overview(organisation: Organisation, membership: Membership) -> dict:
    """Teams and their members, for the organisation's home page."""
    by_name = ("user__first_name", "user__last_name", "user__username")
    teams = list(
        Team.objects.for_org(organisation)
        .annotate(member_count=Count("members"))
        .prefetch_related(
            # A few names per team: a large organisation lists everyone on the
            # members page, not on every visit to its home.
            Prefetch(
                "members",
                queryset=Membership.objects.select_related("user").order_by(*by_name)[
                    :PEOPLE_PER_TEAM
                ],
                to_attr="shown_members",
            )
        )
    )
    for team in teams:
        team.more_members = team.member_count - len(team.shown_members)
    teamless = Membership.objects.for_org(organisation).filter(team__isnull=True)
    without_team = list(
        teamless.select_related("user").order_by(*by_name)[:PEOPLE_PER_TEAM]
    )
    open_invitations = (
        Invitation.objects.for_org(organisation).usable().count()
        if membership.is_admin
        else None
    )
    return {
        "teams": teams,
        "without_team": without_team,
        "more_without_team": teamless.count() - len(without_team)
        if len(without_team) == PEOPLE_PER_TEAM
        else 0,
        "open_invitations": open_invitations,
    }
