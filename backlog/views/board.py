from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from backlog.configuration import settings_for
from backlog.experiments.outcomes import attach_failed_guardrails
from backlog.filters import BoardFilter, style_filter_form
from backlog.forms.hypotheses import ConcludeForm, MoveForm
from backlog.models import Hypothesis, Result, Status
from backlog.pipeline import (
    MoveRefused,
    allowed_moves,
    conclusion_evidence,
    move_hypothesis,
)
from backlog.scoring.frameworks import Framework
from cromaturity.models import Organisation, Role
from cromaturity.redirects import safe_next
from cromaturity.scoping import OrgRequest, get_in_org, member_required

CARDS_PER_COLUMN = 20


def move_options(status: Status) -> str:
    """The "Move to" menu's options for a card in `status` (the same for every
    card of a column, so built once per column rather than once per card)."""
    return format_html_join(
        "",
        '<option value="{}">{}{}</option>',
        (
            (to.value, to.label, "…" if to == Status.CONCLUDED else "")
            for to in allowed_moves(status)
        ),
    )


class Column:
    def __init__(self, status: Status, cards: list[Hypothesis], total: int):
        self.status = status
        self.cards = cards
        self.total = total

    @property
    def hidden(self) -> int:
        return self.total - len(self.cards)


def _board_url(organisation: Organisation, query_string: str) -> str:
    url = reverse("backlog:board", args=[organisation.slug])
    return url + (f"?{query_string}" if query_string else "")


def board_context(
    request: OrgRequest,
    query: QueryDict,
    *,
    refused: dict[int, str] | None = None,
    moved: int | None = None,
) -> dict:
    """The board's columns for the filters in `query`, in a fixed number of queries.

    Each column shows its best-ranked cards.
    """
    organisation = request.organisation
    backlog_settings = settings_for(organisation)
    primary = Framework(backlog_settings.primary_framework)
    filters = BoardFilter(
        query,
        queryset=Hypothesis.objects.for_org(organisation),
        request=request,
        backlog_settings=backlog_settings,
    )
    style_filter_form(filters.form)
    matching = filters.qs
    totals = matching.count_per_status()
    cards = list(
        matching.best_per_status(CARDS_PER_COLUMN, primary)
        .select_related("owner", "page")
        .prefetch_related("tags")
    )
    attach_failed_guardrails(cards)
    by_status: dict[Status, list[Hypothesis]] = {status: [] for status in Status}
    options = {status: move_options(status) for status in Status}
    for card in cards:
        card.move_options = options[Status(card.status)]
        card.refusal = (refused or {}).get(card.pk)
        card.just_moved = card.pk == moved
        by_status[Status(card.status)].append(card)
    columns = [
        Column(status, by_status[status], totals.get(status, 0)) for status in Status
    ]
    query_string = query.urlencode()
    return {
        "columns": columns,
        "filters": filters,
        "primary": primary,
        "board_query": query_string,
        "board_url": _board_url(organisation, query_string),
        "can_move": request.membership.can_edit,
        "statuses": list(Status),
    }


@member_required()
def board(request: OrgRequest):
    return render(request, "backlog/board.html", board_context(request, request.GET))


@member_required(Role.EDITOR)
def hypothesis_move_form(request: OrgRequest, hypothesis_id):
    """A card's "Move to" form, fetched when its menu is opened on the board."""
    card = get_in_org(request, Hypothesis, hypothesis_id)
    if not request.htmx:
        return redirect(f"{card.get_absolute_url()}#pipeline-heading")
    card.move_options = move_options(Status(card.status))
    query_string = QueryDict(request.GET.get("board_query", "")).urlencode()
    return render(
        request,
        "backlog/board.html#move-form",
        {
            "card": card,
            "board_query": query_string,
            "board_url": _board_url(request.organisation, query_string),
        },
    )


@member_required(Role.VIEWER, write_role=Role.EDITOR)
@require_POST
def hypothesis_move(request: OrgRequest, hypothesis_id):
    hypothesis = get_in_org(request, Hypothesis, hypothesis_id)
    form = MoveForm(request.POST)
    conclude_url = reverse(
        "backlog:hypothesis-conclude", args=[request.organisation.slug, hypothesis.pk]
    )
    reason = None
    if not form.is_valid():
        reason = "Choose the status to move it to."
    else:
        to_status = Status(form.cleaned_data["to_status"])
        if to_status == Status.CONCLUDED and to_status in allowed_moves(
            hypothesis.status
        ):
            # Concluding needs a result and a learning: ask for them.
            if request.htmx:
                return HttpResponseClientRedirect(conclude_url)
            return redirect(conclude_url)
        try:
            move_hypothesis(hypothesis, to_status, by=request.user)
        except MoveRefused as refusal:
            reason = str(refusal)
    if request.htmx:
        query = QueryDict(request.POST.get("board_query", ""))
        context = board_context(
            request,
            query,
            refused={hypothesis.pk: reason} if reason else None,
            moved=None if reason else hypothesis.pk,
        )
        context["announcement"] = (
            f"“{hypothesis}” was not moved. {reason}"
            if reason
            else f"“{hypothesis}” moved to {hypothesis.get_status_display()}."
        )
        return render(request, "backlog/board.html#board", context)
    if reason:
        messages.error(request, f"“{hypothesis}” was not moved. {reason}")
    else:
        messages.success(
            request, f"“{hypothesis}” moved to {hypothesis.get_status_display()}."
        )
    return redirect(safe_next(request, hypothesis.get_absolute_url()))


@member_required(Role.EDITOR)
def hypothesis_conclude(request: OrgRequest, hypothesis_id):
    hypothesis = get_in_org(request, Hypothesis, hypothesis_id)
    evidence = conclusion_evidence(hypothesis)
    initial = {
        "learning": hypothesis.learning,
        "result": hypothesis.result,
        "result_reason": hypothesis.result_reason,
    }
    form = ConcludeForm(request.POST or None, initial=initial, evidence=evidence)
    if request.method == "POST" and form.is_valid():
        try:
            move_hypothesis(
                hypothesis,
                Status.CONCLUDED,
                by=request.user,
                result=form.cleaned_data["result"],
                learning=form.cleaned_data["learning"],
                result_reason=form.cleaned_data["result_reason"],
            )
        except MoveRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                f"“{hypothesis}” is concluded: {hypothesis.get_result_display()}. "
                "Its learning is in the library.",
            )
            return redirect(hypothesis)
    return render(
        request,
        "backlog/hypothesis_conclude.html",
        {
            "hypothesis": hypothesis,
            "form": form,
            "evidence": evidence,
            "doubts": [(result, evidence.doubts(result)) for result in Result],
            "can_conclude": Status.CONCLUDED in allowed_moves(hypothesis.status),
        },
        status=400 if request.method == "POST" else 200,
    )
