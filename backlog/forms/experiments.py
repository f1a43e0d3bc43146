"""An experiment's variants and results, and the test-duration planner."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms.utils import ErrorList

from backlog.experiments.recording import VariantNumbers
from backlog.experiments.statistics import MAX_VISITORS
from backlog.models import Experiment


class ExperimentForm(forms.ModelForm):
    class Meta:
        model = Experiment
        fields = ["name", "started_on", "ended_on", "notes"]
        widgets = {
            "started_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ended_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
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
    visitors = forms.IntegerField(
        min_value=0,
        max_value=MAX_VISITORS,
        error_messages={
            "max_value": f"At most {MAX_VISITORS:,} visitors per variant.",
        },
    )
    conversions = forms.IntegerField(min_value=0, max_value=MAX_VISITORS)
    planned_weight = forms.IntegerField(
        label="Planned share", min_value=1, max_value=1000, initial=1
    )

    def clean(self):
        cleaned = super().clean()
        visitors, conversions = cleaned.get("visitors"), cleaned.get("conversions")
        if visitors is not None and conversions is not None and conversions > visitors:
            self.add_error("conversions", "Cannot be more than the visitors.")
        return cleaned


VARIANT_FIELDS = ("name", "visitors", "conversions", "planned_weight")


class BaseRowFormSet(forms.BaseFormSet):
    """Variant rows, the first two required, with one more row on request."""

    # Django's own, left out of django-stubs; the experiment views set it to show
    # a refusal of the whole set of variants.
    _non_form_errors: ErrorList | None
    row_fields: tuple[str, ...] = ()

    def get_form_kwargs(self, index):
        # Rows past the first two may stay empty, also when they were shown
        # filled in: a row added and left blank is no variant.
        return {**super().get_form_kwargs(index), "empty_permitted": index >= 2}

    @property
    def can_add_row(self) -> bool:
        return self.total_form_count() < self.max_num

    def rows_as_sent(self) -> list[dict]:
        """The rows as sent, unchecked."""
        return [
            {
                name: self.data.get(f"{self.add_prefix(index)}-{name}", "")
                for name in self.row_fields
            }
            for index in range(min(self.total_form_count(), self.max_num))
        ]

    def rows_with_one_more(self) -> list[dict]:
        """The rows as sent, unchecked, and an empty one after them."""
        rows = self.rows_as_sent()
        if len(rows) < self.max_num:
            rows.append({"planned_weight": 1})
        return rows


class BaseVariantFormSet(BaseRowFormSet):
    row_fields = VARIANT_FIELDS

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


# django-stubs types the factory's class as BaseFormSet, whatever `formset` is.
VariantFormSet: type[BaseVariantFormSet] = forms.formset_factory(  # type: ignore[assignment]
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
