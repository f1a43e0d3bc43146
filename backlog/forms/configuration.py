"""The backlog's pages and funnel steps, and its settings."""

import unicodedata
from functools import lru_cache

import phonenumbers
from babel import Locale
from django import forms
from django.conf import settings

from backlog.configuration import EDITABLE
from backlog.feedback.importing.zones import time_zone_names
from backlog.models import BacklogSettings, Page


def _sort_key(name: str) -> str:
    """Åland sorts with the A's, Côte d'Ivoire before Croatia."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=1)
def country_choices() -> list[tuple[str, str]]:
    """The regions phonenumbers knows, by their English names (CLDR's)."""
    names = Locale("en").territories
    return sorted(
        (
            (code, f"{names.get(code, code)} ({code})")
            for code in phonenumbers.SUPPORTED_REGIONS
        ),
        key=lambda choice: _sort_key(choice[1]),
    )


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
        fields = EDITABLE
        widgets = {"ice_mode": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._offer(
            "country",
            [("", f"The server's ({settings.PHONE_REGION})"), *country_choices()],
            "Pick a country from the list: “%(value)s” is not one.",
        )
        self._offer(
            "time_zone",
            [
                ("", f"The server's ({settings.TIME_ZONE})"),
                *((name, name) for name in time_zone_names()),
            ],
            "Pick a time zone from the list: “%(value)s” is not one.",
        )

    def _offer(self, name: str, choices: list[tuple[str, str]], refusal: str):
        """Turn the free-text field `name` into a choice of `choices`."""
        field = self.fields[name]
        self.fields[name] = forms.ChoiceField(
            choices=choices,
            required=False,
            label=field.label,
            help_text=field.help_text,
            error_messages={"invalid_choice": refusal},
        )
