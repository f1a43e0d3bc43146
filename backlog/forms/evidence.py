from django import forms

from backlog.models import IMPORTANCE_CHOICES


class LinkForm(forms.Form):
    snippet = forms.CharField(
        label="Quote",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Select words in the feedback to quote them, or leave empty.",
    )
    importance = forms.TypedChoiceField(
        choices=IMPORTANCE_CHOICES, coerce=int, initial=1, label="Importance"
    )
