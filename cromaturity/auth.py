from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


def account_named(name: str):
    """The account a sign-in name means: its username or its email address."""
    return (
        get_user_model()
        ._default_manager.filter(Q(username__iexact=name) | Q(email__iexact=name))
        .order_by("pk")
        .first()
    )


class UsernameOrEmailBackend(ModelBackend):
    """Sign in with either the username or the email address."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = account_named(username)
        if user is None:
            # Spend the same time as a real check so timing does not reveal users.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def typed_username(request, credentials) -> str:
    """The name axes counts a sign-in under: the account's username whether it
    was typed as the username or as the email address, so that both share one
    count; a name that is no account's is counted as typed."""
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    typed = str(value).strip()
    user = account_named(typed) if typed else None
    return (user.get_username() if user else typed).lower()
