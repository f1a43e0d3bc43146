"""Scoring a hypothesis with ICE, PIE or PXL: one form per framework."""

from django import forms

from backlog.conflicts import EditConflict, version_field
from backlog.models.scores import RATING_CHOICES
from backlog.scoring.frameworks import PXL_EASE_CHOICES, PXL_QUESTIONS, Framework


class ScoreForm(forms.Form):
    framework: Framework
    note = forms.CharField(
        label="Why (optional)",
        required=False,
        max_length=300,
    )
    # The version of your score the form shows; 0 when you had none.
    version = version_field()
    # Set when the save was refused because the score changed since the form
    # was opened.
    conflict: EditConflict | None = None

    def values(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in self.fields
            if name not in ("note", "framework", "version")
        }


def _rating_field(label: str, help_text: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("", "–"), *RATING_CHOICES],
        coerce=int,
        help_text=help_text,
    )


class IceScoreForm(ScoreForm):
    framework = Framework.ICE
    impact = _rating_field("Impact", "How much will it move the metric? 1–10")
    confidence = _rating_field("Confidence", "How sure are you it will? 1–10")
    ease = _rating_field("Ease", "How easy is it to test? 10 is easiest")
    field_order = ["impact", "confidence", "ease", "note"]


class PieScoreForm(ScoreForm):
    framework = Framework.PIE
    potential = _rating_field("Potential", "How much room for improvement? 1–10")
    importance = _rating_field("Importance", "How valuable is the traffic? 1–10")
    ease = _rating_field("Ease", "How easy is it to test? 10 is easiest")
    field_order = ["potential", "importance", "ease", "note"]


def _question(key: str) -> forms.BooleanField:
    weight, label = PXL_QUESTIONS[key]
    return forms.BooleanField(label=f"{label} (+{weight})", required=False)


# One yes-or-no field per question, named, weighted and asked as PXL_QUESTIONS
# declares them, as the Score model's columns are.
PxlQuestionFields = type(
    "PxlQuestionFields",
    (forms.Form,),
    {key: _question(key) for key in PXL_QUESTIONS},
)


# mypy cannot follow a base class made at run time.
class PxlScoreForm(PxlQuestionFields, ScoreForm):  # type: ignore[misc,valid-type]
    framework = Framework.PXL
    pxl_ease = forms.TypedChoiceField(
        label="Time to build and test",
        choices=[("", "–"), *PXL_EASE_CHOICES],
        coerce=int,
    )
    field_order = [*PXL_QUESTIONS, "pxl_ease", "note"]


SCORE_FORMS = {
    Framework.ICE: IceScoreForm,
    Framework.PIE: PieScoreForm,
    Framework.PXL: PxlScoreForm,
}


def score_form(framework, *args, score=None, **kwargs) -> ScoreForm:
    """The score form of `framework`, filled with an earlier score if any."""
    form_class = SCORE_FORMS[Framework(framework)]
    if "initial" not in kwargs:
        kwargs["initial"] = (
            {name: getattr(score, name) for name in form_class.base_fields}
            if score is not None
            else {"version": 0}
        )
    kwargs.setdefault("prefix", str(Framework(framework)))
    return form_class(*args, **kwargs)
