from django import forms

from assessments.models import AnswerKind, Assessment, Level
from assessments.models.assessment import EVIDENCE_MAX_LENGTH
from cromaturity.models import Team

NOT_APPLICABLE = AnswerKind.NOT_APPLICABLE.value
DONT_KNOW = AnswerKind.DONT_KNOW.value


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ["title", "period"]
        help_texts = {
            "title": "For example “Quarterly CRO maturity check”.",
            "period": "What the answers describe, for example “Q3 2026”. Trend "
            "charts are labelled with it.",
        }


class StartResponseForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="I answer as a member of",
        help_text="Answers are compared between teams; choose the team whose "
        "view you give.",
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.for_org(organisation)


class PointAnswerForm(forms.Form):
    """The answer to one point; the prefix is the point key."""

    choice = forms.ChoiceField(
        choices=[(str(level), label) for level, label in Level.choices]
        + [(NOT_APPLICABLE, "Not applicable"), (DONT_KNOW, "Don't know")],
        required=False,
        widget=forms.RadioSelect,
    )
    evidence = forms.CharField(
        required=False,
        max_length=EVIDENCE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("evidence", "").strip() and not data.get("choice"):
            self.add_error(
                "choice",
                "Choose a statement, Not applicable or Don't know so the evidence "
                "can be saved with it.",
            )
        return data

    @property
    def has_answer(self) -> bool:
        return bool(self.cleaned_data.get("choice"))

    @property
    def kind(self) -> AnswerKind:
        choice = self.cleaned_data["choice"]
        return AnswerKind(choice) if choice in AnswerKind.values else AnswerKind.LEVEL

    @property
    def level(self) -> int | None:
        choice = self.cleaned_data["choice"]
        return int(choice) if choice.isdigit() else None

    @property
    def answer_fields(self) -> dict:
        return {
            "kind": self.kind,
            "level": self.level,
            "evidence": self.cleaned_data["evidence"],
        }

    @staticmethod
    def initial_for(answer) -> dict:
        if answer is None:
            return {}
        choice = str(answer.level) if answer.kind == AnswerKind.LEVEL else answer.kind
        return {"choice": choice, "evidence": answer.evidence}


class AgreedLevelForm(forms.Form):
    level = forms.TypedChoiceField(
        choices=[("", "No agreed level")] + list(Level.choices),
        coerce=int,
        empty_value=None,
        required=False,
        label="Agreed level",
    )
    rationale = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why the group settled on this level: the evidence that decided it.",
    )

    def clean(self):
        data = super().clean()
        if data.get("level") and not data.get("rationale", "").strip():
            self.add_error("rationale", "Give the reason the group agreed this level.")
        return data


class TargetsForm(forms.Form):
    """One optional target level per point key."""

    def __init__(self, *args, points, targets: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.points = points
        for point in points:
            self.fields[point.key] = forms.TypedChoiceField(
                choices=[("", "No target")] + list(Level.choices),
                coerce=int,
                empty_value=None,
                required=False,
                label=f"Target for {point.key} {point.title}",
                initial=targets.get(point.key),
            )

    def rows(self):
        return [(point, self[point.key]) for point in self.points]


class InviteForm(forms.Form):
    days = forms.IntegerField(
        label="Valid for (days)", initial=14, min_value=1, max_value=365
    )


class AdvanceForm(forms.Form):
    from_status = forms.CharField(widget=forms.HiddenInput)
    # The unsubmitted responses the person was shown before confirming.
    acknowledged = forms.CharField(required=False, widget=forms.HiddenInput)

    @staticmethod
    def acknowledging(responses) -> str:
        return " ".join(str(response.pk) for response in responses)

    def acknowledges(self, responses) -> bool:
        seen = self.cleaned_data.get("acknowledged", "").split()
        return {str(response.pk) for response in responses} <= set(seen)


SHARE_LINK_DAYS = [(1, "1 day"), (7, "7 days"), (30, "30 days"), (90, "90 days")]


class ShareLinkForm(forms.Form):
    # The scorecard page also holds the invite form, which has a `days` field.
    prefix = "share"

    days = forms.TypedChoiceField(
        label="Link works for",
        choices=SHARE_LINK_DAYS,
        coerce=int,
        initial=30,
    )
