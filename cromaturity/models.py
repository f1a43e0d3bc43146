import secrets
from typing import ClassVar, Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core import signing
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

DEFAULT_TEAMS = [
    "CRO",
    "Customer Service",
    "Marketing",
    "IT/Engineering",
    "Product/UX",
    "Leadership",
]


class User(AbstractUser):
    email = models.EmailField("email address")

    objects: ClassVar[UserManager[Self]] = UserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


def org_path(model: type[models.Model]) -> str:
    """The lookup from `model` to the Organisation its rows belong to.

    A model whose organisation is reached through a relation sets `org_path`
    (for example ``"assessment__organisation"``); the others have an
    ``organisation``. A history table's rows belong where the rows they record do.
    """
    if model is Organisation:
        return "pk"
    recorded = getattr(model, "instance_type", model)
    return getattr(recorded, "org_path", "organisation")


class OrgQuerySet(models.QuerySet):
    """Base queryset for everything that belongs to one organisation."""

    def for_org(self, organisation):
        return self.filter(**{org_path(self.model): organisation})


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    CONTRIBUTOR = "contributor", "Contributor"
    EDITOR = "editor", "Editor"
    ADMIN = "admin", "Admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, required: "Role") -> bool:
        return self.rank >= Role(required).rank

    @property
    def with_article(self) -> str:
        name = self.label.lower()
        return f"an {name}" if name[0] in "aeiou" else f"a {name}"

    @property
    def description(self) -> str:
        return {
            Role.VIEWER: "read everything, change nothing",
            Role.CONTRIBUTOR: "answer assessments, add feedback, propose and score "
            "hypotheses, comment",
            Role.EDITOR: "create and edit everything",
            Role.ADMIN: "do what editors do, and manage members, settings and the "
            "maturity model",
        }[self]


def new_content_stamp() -> str:
    return secrets.token_hex(8)


class Organisation(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Changes after every committed write to the organisation's content; pages
    # cached under it are never served stale (see cromaturity.freshness).
    content_stamp = models.CharField(
        max_length=16, default=new_content_stamp, editable=False
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("home", args=[self.slug])


class Team(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="teams"
    )
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                "organisation", Lower("name"), name="team_name_unique_per_org"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(OrgQuerySet):
    def admins(self):
        return self.filter(role=Role.ADMIN)


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    role = models.CharField(max_length=20, choices=Role, default=Role.CONTRIBUTOR)
    joined_at = models.DateTimeField(default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.UniqueConstraint(
                "user", "organisation", name="membership_unique_per_org"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organisation} ({self.get_role_display()})"

    def allows(self, required: Role) -> bool:
        return Role(self.role).allows(required)

    @property
    def role_description(self) -> str:
        return Role(self.role).description

    @property
    def role_with_article(self) -> str:
        return Role(self.role).with_article

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_edit(self) -> bool:
        return self.allows(Role.EDITOR)

    @property
    def can_contribute(self) -> bool:
        return self.allows(Role.CONTRIBUTOR)


class InvitationQuerySet(OrgQuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, accepted_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class Invitation(models.Model):
    """An invitation to join an organisation.

    A link invitation (no email) may be used by many people until it expires or
    is revoked; an email invitation is used once.
    """

    SIGNING_SALT = "cromaturity.invitation"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=20, choices=Role, default=Role.CONTRIBUTOR)
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    use_count = models.PositiveIntegerField(default=0)
    # Where the join page sends people afterwards, e.g. an assessment's
    # questionnaire; empty means the organisation's home page.
    next_path = models.CharField(max_length=200, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="invitation_role_valid"
            ),
        ]

    def __str__(self) -> str:
        target = self.email or "link"
        return f"Invitation to {self.organisation} ({target})"

    def get_absolute_url(self) -> str:
        return reverse("join", args=[self.token])

    @property
    def is_link(self) -> bool:
        return not self.email

    def is_for(self, user) -> bool:
        """Whether `user` may join with this: anyone by a link, by an email
        invitation only the account with the invited address."""
        return self.is_link or user.email.casefold() == self.email.casefold()

    @property
    def landing_path(self) -> str:
        """Where to go after joining: `next_path` if it stays in the organisation."""
        home = self.organisation.get_absolute_url()
        if self.next_path.startswith(home) and "//" not in self.next_path:
            return self.next_path
        return home

    @property
    def token(self) -> str:
        return signing.Signer(salt=self.SIGNING_SALT).sign(str(self.pk))

    @classmethod
    def pk_from_token(cls, token: str) -> int | None:
        try:
            value = signing.Signer(salt=cls.SIGNING_SALT).unsign(token)
        except signing.BadSignature:
            return None
        return int(value) if value.isdigit() else None

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.accepted_at:
            return "accepted"
        if self.expires_at and self.expires_at <= timezone.now():
            return "expired"
        return "active"


class AuditAction(models.TextChoices):
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
    PASSWORD_CHANGED = "password_changed", "Changed password"
    MEMBER_JOINED = "member_joined", "Joined"
    ROLE_CHANGED = "role_changed", "Changed a role or team"
    MEMBER_REMOVED = "member_removed", "Removed a member"
    INVITATION_CREATED = "invitation_created", "Created an invitation"
    INVITATION_REVOKED = "invitation_revoked", "Revoked an invitation"
    API_KEY_CREATED = "api_key_created", "Created an API key"
    API_KEY_REVOKED = "api_key_revoked", "Revoked an API key"
    EXPORTED = "exported", "Exported data"
    SHARE_LINK_CREATED = "share_link_created", "Created a share link"
    SHARE_LINK_REVOKED = "share_link_revoked", "Revoked a share link"


class AuditEventQuerySet(models.QuerySet):
    def visible_to_admins_of(self, organisation):
        """Events of the organisation, and account events of its members."""
        members = Membership.objects.filter(organisation=organisation).values("user")
        return self.filter(
            models.Q(organisation=organisation)
            | models.Q(organisation__isnull=True, actor__in=members)
        )


class AuditEvent(models.Model):
    """A security-relevant action: who did what, when, from where."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=30, choices=AuditAction)
    summary = models.CharField(max_length=300)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name}: {self.summary}"


class ApiKeyQuerySet(OrgQuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A secret that lets another system (a help desk) use the API for one
    organisation. Only a hash of the secret is stored."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=80, help_text="What uses it, e.g. “Zendesk”.")
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
