from django import forms

from assessments.sharing import MAX_SHARE_DAYS


class ExperimentShareLinkForm(forms.Form):
    prefix = "share"

    days = forms.IntegerField(
        label="Link works for (days)",
        min_value=1,
        max_value=MAX_SHARE_DAYS,
        initial=30,
        error_messages={
            "required": f"Give the number of days, 1 to {MAX_SHARE_DAYS}.",
            "invalid": f"Give the number of days, 1 to {MAX_SHARE_DAYS}.",
            "min_value": f"A share link works for 1 to {MAX_SHARE_DAYS} days.",
            "max_value": f"A share link works for 1 to {MAX_SHARE_DAYS} days.",
        },
    )
