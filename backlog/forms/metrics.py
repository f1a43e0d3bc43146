"""Defining a metric or goal."""

from typing import cast

from django import forms
from django.utils.text import slugify

from backlog.metric_catalogue import FIXED_WHEN_USED
from backlog.models import GoalLevel, Metric, MetricKind, MetricRole
from backlog.models.metrics import validate_metric_key


def key_from_name(name: str) -> str:
    """add_to_cart from “Add to cart”: what the key is when none is given."""
    return slugify(name).replace("-", "_")[: Metric._meta.get_field("key").max_length]


class MetricForm(forms.ModelForm):
    class Meta:
        model = Metric
        fields = [
            "name",
            "key",
            "kind",
            "goal_level",
            "direction",
            "value",
            "default_role",
            "default_margin",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "kind": "A conversion goal counts visitors who did it; a mean is a "
            "value per visitor such as revenue (results give visitors, sum and sum "
            "of squares); a count is events per visitor.",
            "default_role": "What the metric usually is in a test's plan; each plan "
            "can say otherwise.",
        }

    def __init__(self, *args, organisation, used_by: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.instance.organisation = organisation
        model_key = Metric._meta.get_field("key")
        self.fields["key"] = forms.CharField(
            label="Key",
            max_length=model_key.max_length,
            required=False,
            validators=[validate_metric_key],
            help_text="How results files and the API name the metric, e.g. "
            "add_to_cart. Empty: made from the name.",
        )
        goal = cast(forms.ChoiceField, self.fields["goal_level"])
        goal.choices = [("", "Neither (e.g. a guardrail)"), *GoalLevel.choices]
        if used_by:
            reason = (
                f"Fixed: {used_by} experiment{'s are' if used_by != 1 else ' is'} "
                "registered with this metric."
            )
            for name in FIXED_WHEN_USED:
                self.fields[name].disabled = True
                self.fields[name].help_text = reason

    def _others(self):
        others = Metric.objects.for_org(self.organisation)
        return others.exclude(pk=self.instance.pk) if self.instance.pk else others

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if self._others().filter(name__iexact=name).exists():
            raise forms.ValidationError(f"There is already a metric called “{name}”.")
        return name

    def clean(self):
        cleaned = super().clean()
        if "key" in self.fields and not self.fields["key"].disabled:
            self._clean_key(cleaned)
        kind = cleaned.get("kind")
        if kind and kind != MetricKind.CONVERSION and cleaned.get("goal_level"):
            self.add_error(
                "goal_level",
                "Only conversion goals are a macro conversion or a micro-conversion.",
            )
        if kind == MetricKind.MEAN and cleaned.get("value") is not None:
            self.add_error(
                "value",
                "A mean is already a value per visitor: leave the value empty.",
            )
        if (
            cleaned.get("default_role") == MetricRole.GUARDRAIL
            and cleaned.get("default_margin") is None
            and "default_margin" not in self.errors
        ):
            self.add_error(
                "default_margin",
                "A guardrail needs a margin: how much worse than the control, in "
                "percent, is still acceptable.",
            )
        return cleaned

    def _clean_key(self, cleaned) -> None:
        if "key" in self.errors:
            return
        key = (cleaned.get("key") or "").strip()
        if not key:
            key = key_from_name(cleaned.get("name") or "")
            if not key:
                self.add_error(
                    "key",
                    "Give a key in lower-case letters, digits and underscores: the "
                    "name has none to make it from.",
                )
                return
        clash = self._others().filter(key=key).first()
        if clash is not None:
            archived = " (archived)" if clash.archived_at else ""
            self.add_error(
                "key", f"The key “{key}” is taken by “{clash.name}”{archived}."
            )
            return
        cleaned["key"] = key
        self.instance.key = key
