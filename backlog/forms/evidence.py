from django import forms

from backlog.evidence import MAX_ALIKE
from backlog.models import IMPORTANCE_CHOICES, FeedbackItem, Hypothesis
from cromaturity.models import Organisation


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


def _choose(message: str) -> dict[str, str]:
    return {
        code: message
        for code in ("required", "invalid_choice", "invalid_pk_value", "invalid_list")
    }


class EvidenceLinkForm(LinkForm):
    """Which feedback supports which hypothesis, both of the organisation.

    The page the link is made from fixes its own side: a feedback item's page
    the item, a hypothesis's page the hypothesis.
    """

    hypothesis = forms.ModelChoiceField(
        queryset=Hypothesis.objects.none(),
        error_messages=_choose("Choose the hypothesis this feedback supports."),
    )
    feedback_item = forms.ModelMultipleChoiceField(
        queryset=FeedbackItem.objects.none(),
        error_messages=_choose("Choose the feedback to attach."),
    )

    def __init__(
        self,
        data,
        *,
        organisation: Organisation,
        hypothesis: Hypothesis | None = None,
        item: FeedbackItem | None = None,
    ):
        data = data.copy()
        # Several items that say the same are attached together, up to as many
        # as are offered together.
        data.setlist("feedback_item", data.getlist("feedback_item")[:MAX_ALIKE])
        initial: dict[str, object] = {}
        if hypothesis is not None:
            initial["hypothesis"] = hypothesis.pk
        if item is not None:
            initial["feedback_item"] = [item.pk]
        super().__init__(data, initial=initial)
        choices = {
            "hypothesis": Hypothesis.objects.for_org(organisation),
            "feedback_item": FeedbackItem.objects.for_org(organisation),
        }
        for name, queryset in choices.items():
            field = self.fields[name]
            field.queryset = queryset  # type: ignore[attr-defined]
            field.disabled = name in initial

    def problem(self) -> str:
        """What to fix, for people: the missing side first, then the details."""
        for name in ("hypothesis", "feedback_item"):
            if name in self.errors:
                return str(self.errors[name][0])
        return "Check the quote and the importance."
