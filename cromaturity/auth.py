from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


class UsernameOrEmailBackend(ModelBackend):
    """Sign in with either the username or the email address."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user_model = get_user_model()
        user = (
            user_model._default_manager.filter(
                Q(username__iexact=username) | Q(email__iexact=username)
            )
            .order_by("pk")
            .first()
        )
        if user is None:
            # Spend the same time as a real check so timing does not reveal users.
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def typed_username(request, credentials) -> str:
    """The name a sign-in was attempted with, as axes should count it."""
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(value).strip().lower()
