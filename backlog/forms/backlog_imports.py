"""The forms of a backlog import: the upload, the columns and the status table."""

from django import forms

from backlog.backlog_import.columns import FIELDS, GROUPS
from backlog.backlog_import.dates import FORMAT_CHOICES
from backlog.backlog_import.statuses import CHOICES
from backlog.feedback.forms import UploadForm
from backlog.feedback.importing.zones import time_zone_names


class BacklogUploadForm(UploadForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = "Backlog sheet"
        self.fields["file"].help_text = (
            "CSV, TSV or XLSX exported from Airtable, Google Sheets, Excel, Notion, "
            "Trello or Jira."
        )


class ColumnsForm(forms.Form):
    source = forms.CharField(
        label="Name of this sheet",
        max_length=100,
        help_text="Rows are matched by their id within this sheet: use the same "
        "name when you import it again, and its hypotheses are updated, not "
        "created twice.",
    )
    date_format = forms.ChoiceField(label="Dates are written", choices=FORMAT_CHOICES)
    time_zone = forms.ChoiceField(
        label="Time zone of the dates",
        help_text="Times without a zone are read in this zone.",
    )
    create_missing_pages = forms.BooleanField(
        label="Create the pages the sheet names that do not exist yet",
        required=False,
    )
    create_missing_tags = forms.BooleanField(
        label="Create the tags the sheet names that do not exist yet",
        required=False,
    )

    def __init__(self, *args, header: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        # django-stubs types a form's fields as Field; this is the ChoiceField above.
        self.fields["time_zone"].choices = [  # type: ignore[attr-defined]
            (n, n) for n in time_zone_names()
        ]
        choices = [("", "— not in this file —")] + [(c, c) for c in header]
        self.mapping_fields = []
        for field in FIELDS:
            name = f"map_{field.name}"
            self.fields[name] = forms.ChoiceField(
                label=field.label,
                choices=choices,
                required=False,
                help_text=field.help,
            )
            self.mapping_fields.append((field.group, name))

    def groups(self) -> list[tuple[str, list]]:
        """The mapping fields by group, in the order a hypothesis is read."""
        return [
            (
                group,
                [
                    self[name]
                    for field_group, name in self.mapping_fields
                    if field_group == group
                ],
            )
            for group in GROUPS
        ]

    def mapping(self) -> dict[str, str]:
        return {
            name.removeprefix("map_"): self.cleaned_data[name]
            for _, name in self.mapping_fields
            if self.cleaned_data.get(name)
        }


class StatusTableForm(forms.Form):
    """One choice of pipeline status per word of the sheet's status column."""

    def __init__(self, *args, rows: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for position, row in enumerate(rows):
            name = f"status_{position}"
            word = row["word"]
            label = f"Status for “{word}”" if word else "Status for rows without one"
            self.fields[name] = forms.ChoiceField(
                label=label, choices=CHOICES, initial=row["choice"]
            )
            self.rows.append({**row, "field": self[name], "name": name})

    def status_map(self) -> dict[str, str]:
        return {row["key"]: self.cleaned_data[row["name"]] for row in self.rows}
