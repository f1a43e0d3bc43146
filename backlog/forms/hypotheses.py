"""Proposing and editing a hypothesis, and moving it through the pipeline."""

from django import forms
from django.contrib.auth import get_user_model

from assessments.models import Assessment, Point
from backlog.authoring import TAG_MAX_LENGTH, split_tag_names
from backlog.conflicts import version_field
from backlog.experiments.conclusions import ConclusionEvidence
from backlog.models import Hypothesis, Page, Result, Status, Tag
from backlog.models.hypotheses import (
    DESCRIPTION_FIELDS,
    FROM_READY_ON,
    IMPROVEMENT_FIELDS,
    OUTCOME_FIELDS,
)
from cromaturity.models import Team


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


def members_of(organisation):
    return (
        get_user_model()
        .objects.filter(memberships__organisation=organisation)
        .order_by("first_name", "last_name", "username")
    )


class TagChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        try:
            return super()._check_values(value)
        except OverflowError:
            # SQLite refuses an id beyond 64 bits in IN (...) instead of finding
            # nothing; it is simply not one of the tags.
            raise forms.ValidationError(
                self.error_messages["invalid_pk_value"],
                code="invalid_pk_value",
                params={"pk": max(value, key=len)},
            ) from None


class HypothesisForm(forms.ModelForm):
    new_tags = forms.CharField(
        label="New tags",
        required=False,
        max_length=300,
        help_text="Comma-separated, e.g. mobile, trust.",
    )
    version = version_field()

    class Meta:
        model = Hypothesis
        fields = [*DESCRIPTION_FIELDS, "tags", *OUTCOME_FIELDS, *IMPROVEMENT_FIELDS]
        widgets = {
            "point_key": forms.HiddenInput,
            "source_assessment": forms.HiddenInput,
            "observation": forms.Textarea(attrs={"rows": 3}),
            "change": forms.Textarea(attrs={"rows": 3}),
            "impact": forms.Textarea(attrs={"rows": 2}),
            "learning": forms.Textarea(attrs={"rows": 4}),
            "tags": forms.CheckboxSelectMultiple,
            "kind": forms.RadioSelect,
        }
        field_classes = {"tags": TagChoiceField}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["page"].queryset = Page.objects.for_org(organisation)
        self.fields["page"].empty_label = "No page yet"
        self.fields["owner"] = MemberChoiceField(
            queryset=members_of(organisation),
            required=False,
            empty_label="Nobody yet",
            help_text="Who drives it through the pipeline.",
        )
        self.fields["team"].queryset = Team.objects.for_org(organisation)
        self.fields["team"].empty_label = "No team"
        self.fields["tags"].queryset = Tag.objects.for_org(organisation)
        self.fields["tags"].required = False
        self.fields["title"].help_text = "A short name people will recognise."
        self.fields["version"].initial = self.instance.version
        # An improvement item's assessment can only be one of this organisation's.
        self.fields["source_assessment"].queryset = Assessment.objects.for_org(
            organisation
        )
        if not self.fields["tags"].queryset.exists():
            del self.fields["tags"]
            self.fields["new_tags"].label = "Tags"
        if self.instance.status == Status.CONCLUDED:
            self.fields["result"].required = True
            self.fields["result"].choices = Result.choices
            self.fields["learning"].required = True
        else:
            del self.fields["result"]
            self.fields[
                "learning"
            ].help_text = (
                "Filled in when the hypothesis is concluded; notes are welcome earlier."
            )
        if self.instance.status in FROM_READY_ON:
            self.fields["metric"].required = True
            self.fields["metric"].help_text += " Required once a hypothesis is ready."

    def clean_new_tags(self):
        names = split_tag_names(self.cleaned_data["new_tags"])
        too_long = [name for name in names if len(name) > TAG_MAX_LENGTH]
        if too_long:
            raise forms.ValidationError(
                f"A tag has at most {TAG_MAX_LENGTH} characters: “{too_long[0]}” is "
                "longer."
            )
        return names

    def clean_title(self):
        return " ".join(self.cleaned_data["title"].split())

    def clean(self):
        cleaned = super().clean()
        key = (cleaned.get("point_key") or "").strip().upper()
        assessment = cleaned.get("source_assessment")
        if key:
            points = Point.objects.all()
            if assessment is not None:
                points = points.filter(pillar__maturity_model=assessment.maturity_model)
            if not points.filter(key=key).exists():
                raise forms.ValidationError(
                    f"There is no maturity point “{key}” to improve."
                )
        elif assessment is not None:
            raise forms.ValidationError("An improvement item needs its point.")
        cleaned["point_key"] = key
        return cleaned


class MoveForm(forms.Form):
    to_status = forms.ChoiceField(label="Move to", choices=Status.choices)


class ConcludeForm(forms.Form):
    result = forms.ChoiceField(
        choices=Result.choices, widget=forms.RadioSelect, label="Result"
    )
    learning = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What did we learn, and what do we do with it? Losing tests teach "
        "as much as winning ones.",
    )
    result_reason = forms.CharField(
        label="Why the result stands",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when the result goes against the recommendation above; "
        "kept with the learning in the library.",
    )

    def __init__(self, *args, evidence: ConclusionEvidence, **kwargs):
        super().__init__(*args, **kwargs)
        self.evidence = evidence
        if evidence.suggested_result and not self.initial.get("result"):
            self.initial["result"] = evidence.suggested_result

    def clean(self):
        cleaned = super().clean()
        result = cleaned.get("result")
        if result and not cleaned.get("result_reason", "").strip():
            doubts = self.evidence.doubts(result)
            if doubts:
                self.add_error(
                    "result_reason",
                    f"“{Result(result).label}” goes against the recommendation: "
                    f"{' '.join(doubts)} Write why the result stands.",
                )
        return cleaned
