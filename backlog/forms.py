from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator

from assessments.models import Assessment, Point
from backlog.authoring import TAG_MAX_LENGTH, split_tag_names
from backlog.conflicts import version_field
from backlog.models import (
    BacklogSettings,
    Experiment,
    Hypothesis,
    Page,
    Result,
    Status,
    Tag,
)
from backlog.models.hypotheses import FROM_READY_ON
from backlog.models.scores import RATING_CHOICES
from backlog.prioritization import PXL_EASE_CHOICES, PXL_QUESTIONS, Framework
from backlog.results import VariantNumbers
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
        fields = [
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
            "tags",
            "result",
            "learning",
            "point_key",
            "source_assessment",
        ]
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


class ScoreForm(forms.Form):
    framework: Framework
    note = forms.CharField(
        label="Why (optional)",
        required=False,
        max_length=300,
    )
    # The version of your score the form shows; 0 when you had none.
    version = version_field()
    conflict = None

    def values(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in self.fields
            if name not in ("note", "framework", "version")
        }


def _rating_field(label: str, help_text: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("", "–"), *RATING_CHOICES],
        coerce=int,
        help_text=help_text,
    )


class IceScoreForm(ScoreForm):
    framework = Framework.ICE
    impact = _rating_field("Impact", "How much will it move the metric? 1–10")
    confidence = _rating_field("Confidence", "How sure are you it will? 1–10")
    ease = _rating_field("Ease", "How easy is it to test? 10 is easiest")
    field_order = ["impact", "confidence", "ease", "note"]


class PieScoreForm(ScoreForm):
    framework = Framework.PIE
    potential = _rating_field("Potential", "How much room for improvement? 1–10")
    importance = _rating_field("Importance", "How valuable is the traffic? 1–10")
    ease = _rating_field("Ease", "How easy is it to test? 10 is easiest")
    field_order = ["potential", "importance", "ease", "note"]


def _question(key: str) -> forms.BooleanField:
    weight, label = PXL_QUESTIONS[key]
    return forms.BooleanField(label=f"{label} (+{weight})", required=False)


class PxlScoreForm(ScoreForm):
    framework = Framework.PXL
    above_the_fold = _question("above_the_fold")
    noticeable_in_5_seconds = _question("noticeable_in_5_seconds")
    adds_or_removes_element = _question("adds_or_removes_element")
    increases_motivation = _question("increases_motivation")
    high_traffic_page = _question("high_traffic_page")
    found_in_user_testing = _question("found_in_user_testing")
    found_in_qualitative_feedback = _question("found_in_qualitative_feedback")
    found_in_analytics = _question("found_in_analytics")
    backed_by_heatmaps = _question("backed_by_heatmaps")
    pxl_ease = forms.TypedChoiceField(
        label="Time to build and test",
        choices=[("", "–"), *PXL_EASE_CHOICES],
        coerce=int,
    )
    field_order = [*PXL_QUESTIONS, "pxl_ease", "note"]


SCORE_FORMS = {
    Framework.ICE: IceScoreForm,
    Framework.PIE: PieScoreForm,
    Framework.PXL: PxlScoreForm,
}


def score_form(framework, *args, score=None, **kwargs) -> ScoreForm:
    """The score form of `framework`, filled with an earlier score if any."""
    form_class = SCORE_FORMS[Framework(framework)]
    if "initial" not in kwargs:
        kwargs["initial"] = (
            {name: getattr(score, name) for name in form_class.base_fields}
            if score is not None
            else {"version": 0}
        )
    kwargs.setdefault("prefix", str(Framework(framework)))
    return form_class(*args, **kwargs)


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


class ExperimentForm(forms.ModelForm):
    class Meta:
        model = Experiment
        fields = ["name", "started_on", "ended_on", "notes"]
        widgets = {
            "started_on": forms.DateInput(attrs={"type": "date"}),
            "ended_on": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("started_on"), cleaned.get("ended_on")
        if start and end and end < start:
            self.add_error("ended_on", "The test cannot end before it started.")
        return cleaned


class VariantForm(forms.Form):
    name = forms.CharField(max_length=80)
    visitors = forms.IntegerField(min_value=0)
    conversions = forms.IntegerField(min_value=0)
    planned_weight = forms.IntegerField(
        label="Planned share", min_value=1, max_value=1000, initial=1
    )

    def clean(self):
        cleaned = super().clean()
        visitors, conversions = cleaned.get("visitors"), cleaned.get("conversions")
        if visitors is not None and conversions is not None and conversions > visitors:
            self.add_error("conversions", "Cannot be more than the visitors.")
        return cleaned


class BaseVariantFormSet(forms.BaseFormSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.control_choice = None

    def clean(self):
        if any(self.errors):
            return
        filled = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if len(filled) < 2:
            raise forms.ValidationError(
                "Enter at least two variants: the control and one more."
            )
        names = [form.cleaned_data["name"].strip().lower() for form in filled]
        if len(set(names)) != len(names):
            raise forms.ValidationError("Give every variant a different name.")

    def variants(self, control_index: int) -> list[VariantNumbers]:
        return [
            VariantNumbers(
                name=form.cleaned_data["name"],
                visitors=form.cleaned_data["visitors"],
                conversions=form.cleaned_data["conversions"],
                planned_weight=form.cleaned_data["planned_weight"],
                is_control=index == control_index,
            )
            for index, form in enumerate(self.forms)
            if form.cleaned_data
        ]


VariantFormSet = forms.formset_factory(
    VariantForm,
    formset=BaseVariantFormSet,
    extra=0,
    min_num=2,
    max_num=10,
    validate_max=True,
)


class ControlForm(forms.Form):
    control = forms.IntegerField(
        min_value=0,
        initial=0,
        error_messages={"required": "Mark one variant as the control."},
    )


def _percent(label, low, high, help_text="", initial=None):
    return forms.DecimalField(
        label=label,
        max_digits=7,
        decimal_places=3,
        validators=[MinValueValidator(Decimal(low)), MaxValueValidator(Decimal(high))],
        help_text=help_text,
        initial=initial,
    )


class PlannerForm(forms.Form):
    baseline = _percent(
        "Baseline conversion rate (%)",
        "0.001",
        "99.999",
        "Today's conversion rate of the metric, e.g. 3.2.",
    )
    mde = _percent(
        "Minimum detectable effect (% relative)",
        "0.1",
        "500",
        "The smallest relative change worth detecting: 10 means 3.2 % → 3.52 %.",
    )
    significance = _percent(
        "Significance level (%)", "0.1", "20", "Two-sided; 5 is usual."
    )
    power = _percent("Power (%)", "50", "99.9", "80 is usual.")
    variants = forms.IntegerField(
        label="Variants, control included",
        min_value=2,
        max_value=10,
        help_text="An A/B test has 2; A/B/C has 3.",
    )
    daily_visitors = forms.IntegerField(
        label="Daily visitors",
        min_value=1,
        max_value=100_000_000,
        required=False,
        help_text="Visitors a day entering the test, across all variants.",
    )
    correct = forms.BooleanField(
        label="Correct for several comparisons (Bonferroni)",
        required=False,
        help_text="With more than one challenger, split the significance level "
        "between the comparisons with the control.",
    )

    def clean(self):
        cleaned = super().clean()
        baseline, mde = cleaned.get("baseline"), cleaned.get("mde")
        if baseline is not None and mde is not None:
            if baseline * (1 + mde / 100) >= 100:
                self.add_error(
                    "mde",
                    "Baseline and effect together would exceed a 100 % conversion "
                    "rate.",
                )
        return cleaned


class PageForm(forms.ModelForm):
    class Meta:
        model = Page
        fields = [
            "name",
            "url",
            "position",
            "daily_visitors",
            "baseline_conversion_rate",
        ]

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        clash = Page.objects.for_org(self.organisation).filter(name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(f"There is already a page called “{name}”.")
        return name


class BacklogSettingsForm(forms.ModelForm):
    class Meta:
        model = BacklogSettings
        fields = [
            "primary_framework",
            "ice_mode",
            "minimum_detectable_effect",
            "significance",
            "power",
            "variants",
            "mask_contact_details",
        ]
        widgets = {"ice_mode": forms.RadioSelect}
