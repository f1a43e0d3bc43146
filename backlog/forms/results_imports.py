"""The forms of a results import: the file and its tool, then the mapping."""

from collections.abc import Sequence

from django import forms
from django.template.defaultfilters import filesizeformat

from backlog.experiments.results_files import TOOLS
from backlog.experiments.results_files.reading import MAX_BYTES
from backlog.experiments.results_mapping import Choices, Target

IGNORE_LABEL = "— ignore —"


def too_big_message() -> str:
    return (
        f"The file is larger than {filesizeformat(MAX_BYTES)}; a results export "
        "is much smaller. Export this test's results only."
    )


class ResultsUploadForm(forms.Form):
    file = forms.FileField(
        label="Results file",
        help_text=f"The CSV export of the test's results, up to "
        f"{filesizeformat(MAX_BYTES)}.",
    )
    tool = forms.ChoiceField(
        label="Exported from",
        required=False,
        choices=[("", "Detect automatically")] + list(TOOLS.items()),
        help_text="Which tool wrote the file; recognised from its columns when "
        "left to detect.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(too_big_message())
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload


class ResultsMappingForm(forms.Form):
    """One choice per name of the file: a variant or metric of the test, or none."""

    def __init__(
        self,
        data=None,
        *,
        variant_names: Sequence[str],
        metric_names: Sequence[str],
        variants: Sequence[Target],
        metrics: Sequence[Target],
        mapping: dict[str, Choices],
    ):
        super().__init__(data)
        self.variant_names = list(variant_names)
        self.metric_names = list(metric_names)
        for prefix, names, targets, chosen in (
            ("variant", self.variant_names, variants, mapping.get("variants", {})),
            ("metric", self.metric_names, metrics, mapping.get("metrics", {})),
        ):
            choices = [("", IGNORE_LABEL)] + [
                (t.value, _choice_label(t, prefix)) for t in targets
            ]
            for index, name in enumerate(names):
                self.fields[f"{prefix}_{index}"] = forms.ChoiceField(
                    label=name,
                    choices=choices,
                    required=False,
                    initial=chosen.get(name) or "",
                    widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
                )

    @property
    def variant_fields(self) -> list[forms.BoundField]:
        return [self[f"variant_{i}"] for i in range(len(self.variant_names))]

    @property
    def metric_fields(self) -> list[forms.BoundField]:
        return [self[f"metric_{i}"] for i in range(len(self.metric_names))]

    def choices(self) -> tuple[Choices, Choices]:
        """The file's variant names and metric names to what they stand for."""
        data = self.cleaned_data
        return (
            {
                name: data.get(f"variant_{i}") or None
                for i, name in enumerate(self.variant_names)
            },
            {
                name: data.get(f"metric_{i}") or None
                for i, name in enumerate(self.metric_names)
            },
        )


def _choice_label(target: Target, prefix: str) -> str:
    if prefix == "variant":
        return f"{target.label} (control)" if target.is_control else target.label
    return f"{target.label} · {target.kind_label.lower()}"
