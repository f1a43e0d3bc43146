"""Django's sign-in and password views, with the audit trail and throttling."""

from axes.utils import reset as reset_sign_in_failures
from django.contrib.auth import views as auth_views

from cromaturity.audit import client_ip, record_event
from cromaturity.forms import SignInForm
from cromaturity.models import AuditAction


class SignInView(auth_views.LoginView):
    authentication_form = SignInForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        response = super().form_valid(form)
        record_event(
            AuditAction.PASSWORD_CHANGED,
            "Changed the password",
            actor=self.request.user,
            ip=client_ip(self.request),
        )
        return response


class PasswordResetView(auth_views.PasswordResetView):
    # The email is plain text, kept apart from the HTML templates.
    email_template_name = "registration/password_reset_email.txt"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        for name in {user.get_username().lower(), user.email.lower()}:
            reset_sign_in_failures(username=name)
        record_event(
            AuditAction.PASSWORD_CHANGED,
            "Reset the password by email",
            actor=user,
            ip=client_ip(self.request),
        )
        return response
