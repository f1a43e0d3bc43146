from django import forms

from collaboration.models import (
    COMMENT_MAX_LENGTH,
    ActivityKind,
    Delivery,
    NotificationKind,
)
from cromaturity.models import Team


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Plain text; links become clickable. Type @ and a name to "
        "mention a colleague: they are notified.",
    )


class PreferencesForm(forms.Form):
    """One choice per kind of notification: how its email comes."""

    def __init__(self, *args, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in NotificationKind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.choices,
                initial=current.get(kind.value),
                widget=forms.RadioSelect,
            )


class ActivityFilterForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, empty_label="All teams"
    )
    kind = forms.ChoiceField(
        label="What",
        choices=[("", "Everything")] + ActivityKind.choices,
        required=False,
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.for_org(organisation)
