"""The backlog's pages and funnel steps, and its settings."""

from django import forms

from backlog.models import BacklogSettings, Page


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
