from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.validators import MaxValueValidator, MinValueValidator

from cromaturity.models import Organisation, Role, Team
from cromaturity.workspaces import RESERVED_SLUGS


class SignInForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Username or email"


class OrganisationForm(forms.ModelForm):
    slug = forms.SlugField(
        label="Address",
        max_length=60,
        required=False,
        help_text="Used in links: /o/<address>/. Leave empty to derive it from the "
        "name.",
    )

    class Meta:
        model = Organisation
        fields = ["name", "slug"]

    def clean_slug(self):
        slug = self.cleaned_data["slug"].lower()
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(f"“{slug}” is reserved; choose another.")
        if slug and Organisation.objects.filter(slug=slug).exists():
            raise forms.ValidationError(f"“{slug}” is already taken; choose another.")
        return slug


class OrganisationNameForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name"]


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=80,
        label="Name",
        help_text="What will use the key, e.g. “Zendesk trigger”.",
    )


class TeamForm(forms.Form):
    name = forms.CharField(max_length=80, label="Team name")


class OrgTeamChoiceField(forms.ModelChoiceField):
    def __init__(self, organisation, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("empty_label", "No team")
        super().__init__(queryset=Team.objects.for_org(organisation), **kwargs)


class MembershipForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"] = OrgTeamChoiceField(organisation)
        self.fields["team"].widget.attrs["class"] = "form-select form-select-sm"


class EmailInvitationForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CONTRIBUTOR)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"] = OrgTeamChoiceField(
            organisation, empty_label="Let them choose"
        )


class LinkInvitationForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CONTRIBUTOR)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)
    days = forms.IntegerField(
        label="Valid for (days)",
        initial=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"] = OrgTeamChoiceField(
            organisation, empty_label="Let them choose"
        )


class JoinForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=True,
        label="Your team",
        help_text="The team you work in; your answers are grouped by team.",
    )

    def __init__(self, *args, invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.for_org(invitation.organisation)
        if invitation.team_id:
            self.fields["team"].initial = invitation.team_id


class SignUpForm(UserCreationForm):
    """Create an account while accepting an invitation."""

    email = forms.EmailField()

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "first_name", "last_name", "email")

    def __init__(self, *args, fixed_email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_email = fixed_email
        if fixed_email:
            self.fields["email"].initial = fixed_email
            self.fields["email"].disabled = True
            self.fields["email"].help_text = "The address this invitation was sent to."

    def clean_email(self):
        email = self.fixed_email or self.cleaned_data["email"]
        user_model = get_user_model()
        if user_model.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this email already exists; sign in instead."
            )
        return email
