from datetime import UTC

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from backlog.conflicts import version_field
from backlog.feedback.capture import FeedbackInput
from backlog.feedback.importing.cells import MAX_THEMES, split_themes, too_many_themes
from backlog.feedback.importing.dates import DATE_FORMATS, FIRST_YEAR, LAST_YEAR
from backlog.feedback.importing.mapping import FIELDS, personal_columns
from backlog.feedback.importing.zones import time_zone_names
from backlog.models import FeedbackSource, Sentiment

SENTIMENT_CHOICES = [("", "Not known")] + [
    (value, label) for value, label in Sentiment.choices if value
]


class FeedbackForm(forms.Form):
    """What an agent types in a few seconds; the edit form adds the rest."""

    text = forms.CharField(
        label="What did the customer say?",
        widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}),
        max_length=20_000,
    )
    source = forms.ChoiceField(
        label="Channel",
        choices=FeedbackSource.choices,
        initial=FeedbackSource.CHAT,
        widget=forms.RadioSelect,
    )
    page = forms.CharField(
        label="Page or URL",
        required=False,
        max_length=2000,
    )
    themes = forms.CharField(
        label="Themes",
        required=False,
        max_length=300,
        help_text=f"Comma-separated, at most {MAX_THEMES}, e.g. checkout, delivery.",
        widget=forms.TextInput(attrs={"list": "known-themes"}),
    )
    sentiment = forms.ChoiceField(
        choices=SENTIMENT_CHOICES, required=False, widget=forms.RadioSelect
    )

    def clean_themes(self) -> str:
        themes = self.cleaned_data["themes"]
        problem = too_many_themes(split_themes(themes))
        if problem:
            raise forms.ValidationError(f"{problem[0].upper()}{problem[1:]}.")
        return themes

    def to_input(self) -> FeedbackInput:
        data = self.cleaned_data
        return FeedbackInput(
            text=data["text"],
            source=data["source"],
            page=data.get("page", ""),
            themes=data.get("themes", ""),
            sentiment=data.get("sentiment", ""),
            product_area=data.get("product_area", ""),
            customer=data.get("customer", ""),
            received_at=data.get("received_at"),
        )


class FeedbackEditForm(FeedbackForm):
    product_area = forms.CharField(required=False, max_length=100)
    customer = forms.CharField(
        label="Customer",
        required=False,
        max_length=200,
        help_text="Email or customer number; stored as a pseudonym. Leave empty to "
        "keep the current one.",
    )
    received_at = forms.DateTimeField(label="Received", required=False)
    version = version_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs.pop("autofocus", None)
        self.fields["text"].widget.attrs["rows"] = 6

    def clean_received_at(self):
        received_at = self.cleaned_data["received_at"]
        if received_at is None:
            return None
        try:
            year = received_at.astimezone(UTC).year
        except OverflowError:
            year = 0
        # The years an import accepts too; outside them lies a typing slip (and,
        # near year 1, dates the database cannot store).
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise forms.ValidationError(
                f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}."
            )
        return received_at


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Export file",
        help_text="CSV, TSV or XLSX exported from Zendesk, Freshdesk, Intercom, a "
        "survey tool or a spreadsheet.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(too_big_message())
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload


def too_big_message() -> str:
    limit = filesizeformat(settings.UPLOAD_MAX_BYTES)
    return f"The file is larger than {limit}. Split it into smaller files."


class MappingForm(forms.Form):
    source_system = forms.CharField(
        label="Source",
        max_length=100,
        help_text="The feed these items belong to, e.g. “Zendesk” or “Hotjar: exit "
        "survey”. Ids are unique within a source: importing the same feed again "
        "updates its items, and two sources never overwrite each other.",
        widget=forms.TextInput(attrs={"list": "known-sources", "autocomplete": "off"}),
    )
    time_zone = forms.ChoiceField(
        label="Times without a zone are in",
        required=False,
        help_text="Times with an offset or Z, and columns whose header says UTC, "
        "are read as written.",
    )
    date_format = forms.ChoiceField(
        label="Dates are written",
        choices=[(f.key, f"{f.label} ({f.example})") for f in DATE_FORMATS],
    )
    no_date = forms.BooleanField(
        label="This file has no date: date every item by this import",
        required=False,
    )
    html_text = forms.BooleanField(
        label="The text is HTML: keep it as plain text (line breaks kept)",
        required=False,
    )
    attribute_columns = forms.MultipleChoiceField(
        label="Also keep these answers with each item",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Other questions of a survey, shown on the item.",
    )
    save_as = forms.CharField(
        label="Save this mapping as",
        max_length=80,
        required=False,
        help_text="Optional. Files with the same columns get it automatically.",
    )

    def __init__(self, *args, header: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— not in this file —")] + [(c, c) for c in header]
        # django-stubs types a form's fields as Field; these are the ChoiceFields
        # declared above.
        self.fields["time_zone"].choices = [  # type: ignore[attr-defined]
            (z, z) for z in time_zone_names()
        ]
        personal = personal_columns(header, [[column] for column in header])
        self.fields["attribute_columns"].choices = [  # type: ignore[attr-defined]
            (column, column) for column in header if column not in personal
        ]
        self.mapping_fields = []
        for field in FIELDS:
            name = f"map_{field.name}"
            self.fields[name] = forms.ChoiceField(
                label=field.label + (" (required)" if field.required else ""),
                choices=choices,
                required=False,
                help_text=field.help,
            )
            self.mapping_fields.append(name)

    def mapping_bound_fields(self):
        return [self[name] for name in self.mapping_fields]

    def mapping(self) -> dict[str, str]:
        return {
            name.removeprefix("map_"): self.cleaned_data[name]
            for name in self.mapping_fields
            if self.cleaned_data.get(name)
        }

    def choices(self) -> dict:
        """The person's choices, as the import's functions take them."""
        mapping = self.mapping()
        data = self.cleaned_data
        return {
            "mapping": mapping,
            "source_system": data["source_system"],
            "date_format": data["date_format"],
            "time_zone": data["time_zone"] or None,
            "no_date": data["no_date"],
            "attribute_columns": data["attribute_columns"],
            "html_columns": [
                mapping[name]
                for name in ("text", "subject")
                if data["html_text"] and name in mapping
            ],
        }
