"""Defining a funnel, uploading its counts and mapping the file's steps."""

from django import forms

from backlog.feedback.forms import UploadForm
from backlog.feedback.importing.zones import time_zone_names, zone
from backlog.funnels.files import FORMATS, FunnelFileError, parse_segment
from backlog.models import Funnel, FunnelStep

MAX_STEPS = 12


class FunnelForm(forms.ModelForm):
    steps = forms.CharField(
        label="Steps, in order",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One per line, from the first page view to the conversion, e.g. "
        "Product view, Add to cart, Checkout, Payment, Purchase. A step keeps its "
        "counts when it is renamed in place or moved.",
    )

    class Meta:
        model = Funnel
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.instance.organisation = organisation
        if self.instance.pk and not self.is_bound:
            self.initial["steps"] = "\n".join(
                step.name for step in self.instance.steps.all()
            )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        others = Funnel.objects.for_org(self.organisation).filter(name__iexact=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(f"There is already a funnel called “{name}”.")
        return name

    def clean_steps(self):
        names = [
            " ".join(line.split()) for line in self.cleaned_data["steps"].splitlines()
        ]
        names = [name for name in names if name]
        if len(names) < 2:
            raise forms.ValidationError("A funnel has at least two steps.")
        if len(names) > MAX_STEPS:
            raise forms.ValidationError(f"A funnel has at most {MAX_STEPS} steps.")
        too_long = [n for n in names if len(n) > 120]
        if too_long:
            raise forms.ValidationError(f"“{too_long[0][:40]}…” is longer than 120.")
        seen: set[str] = set()
        for name in names:
            if name.casefold() in seen:
                raise forms.ValidationError(f"“{name}” is named twice.")
            seen.add(name.casefold())
        return names


class FunnelUploadForm(UploadForm):
    format = forms.ChoiceField(
        label="Layout",
        required=False,
        choices=[("", "Recognise it from the file"), *FORMATS.items()],
    )
    time_zone = forms.ChoiceField(
        label="The funnel's days are counted in",
        help_text="Time stamps with an offset or Z are counted on their day in this "
        "zone; dates are kept as written.",
    )
    segment = forms.CharField(
        label="Segment of this file",
        required=False,
        max_length=140,
        help_text="Only for an export of one segment that does not say so (Matomo "
        "writes its segment filter into the request), e.g. device:mobile.",
    )
    period_from = forms.DateField(
        label="First day",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Only for an export that does not name its days.",
    )
    period_to = forms.DateField(
        label="Last day",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, default_zone: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = "Funnel export"
        self.fields["file"].help_text = (
            "GA4's funnel exploration (CSV or TSV), the GA4 Data API's funnel report "
            "(JSON), Matomo's Funnels export (CSV, TSV or JSON), or a CSV with the "
            "columns date, step, segment, count."
        )
        self.fields["time_zone"].choices = [  # type: ignore[attr-defined]
            (n, n) for n in time_zone_names()
        ]
        self.fields["time_zone"].initial = default_zone

    def clean_segment(self):
        text = self.cleaned_data["segment"].strip()
        if not text:
            return None
        try:
            return parse_segment(text)
        except FunnelFileError as problem:
            raise forms.ValidationError(str(problem)) from None

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("period_from"), cleaned.get("period_to")
        if (first is None) != (last is None) and not self.errors:
            raise forms.ValidationError(
                "Give both the first and the last day, or neither."
            )
        if first and last and last < first:
            self.add_error("period_to", "The last day is before the first.")
        if first and last:
            cleaned["period"] = (first, last)
        else:
            cleaned["period"] = None
        if cleaned.get("time_zone"):
            cleaned["zone"] = zone(cleaned["time_zone"])
        return cleaned


class StepMappingForm(forms.Form):
    """One choice per step of the file: the funnel step it counts, or none."""

    def __init__(
        self, *args, file_steps: list[str], steps: list[FunnelStep], mapping, **kwargs
    ):
        super().__init__(*args, **kwargs)
        choices = [("", "— leave out —")] + [(str(s.pk), s.name) for s in steps]
        self.file_steps = file_steps
        for index, name in enumerate(file_steps):
            chosen = mapping.get(name)
            self.fields[f"step_{index}"] = forms.ChoiceField(
                label=name,
                choices=choices,
                required=False,
                initial=str(chosen) if chosen else "",
            )

    def mapping(self) -> dict[str, int | None]:
        return {
            name: int(self.cleaned_data[f"step_{index}"])
            if self.cleaned_data[f"step_{index}"]
            else None
            for index, name in enumerate(self.file_steps)
        }


class StepPagesForm(forms.Form):
    """Which page of the backlog each step's counts are the views of."""

    def __init__(self, *args, funnel: Funnel, pages, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = list(funnel.steps.all())
        choices = [("", "— no page —")] + [(str(p.pk), p.name) for p in pages]
        for step in self.steps:
            self.fields[f"page_{step.pk}"] = forms.ChoiceField(
                label=step.name,
                choices=choices,
                required=False,
                initial=str(step.page_id) if step.page_id else "",
            )

    def chosen(self) -> dict[int, int | None]:
        return {
            step.pk: int(self.cleaned_data[f"page_{step.pk}"])
            if self.cleaned_data[f"page_{step.pk}"]
            else None
            for step in self.steps
        }
