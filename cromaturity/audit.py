"""Recording security-relevant actions for organisation admins to review."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models import Q

from cromaturity.models import AuditAction, AuditEvent, Organisation


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_event(
    action: AuditAction,
    summary: str,
    *,
    actor=None,
    organisation: Organisation | None = None,
    ip: str | None = None,
    actor_name: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        organisation=organisation,
        actor=actor,
        actor_name=actor_name or (actor.get_username() if actor else ""),
        action=action,
        summary=summary[:300],
        ip_address=ip,
    )


def _signed_in(sender, request, user, **kwargs):
    record_event(AuditAction.SIGN_IN, "Signed in", actor=user, ip=client_ip(request))


def _sign_in_failed(sender, credentials, request=None, **kwargs):
    typed = str(credentials.get("username", ""))[:150]
    user = (
        get_user_model()
        .objects.filter(Q(username__iexact=typed) | Q(email__iexact=typed))
        .first()
        if typed
        else None
    )
    record_event(
        AuditAction.SIGN_IN_FAILED,
        f"Failed sign-in as “{typed}”",
        actor=user,
        actor_name=typed,
        ip=client_ip(request),
    )


def connect_receivers() -> None:
    # Sign-ins happen inside Django's auth views; its signals are the only place
    # to observe them without replacing those views.
    user_logged_in.connect(_signed_in, dispatch_uid="cromaturity.audit.sign_in")
    user_login_failed.connect(
        _sign_in_failed, dispatch_uid="cromaturity.audit.sign_in_failed"
    )
