"""Content stamps: a token per organisation that changes with every committed
write to what the organisation holds, so that a page rendered from that content
can be cached under the stamp and is never served after a change.

Each app `watch`es the models its cached pages show: saving or deleting one of
them (found through its `organisation_id`, or the hypothesis it belongs to)
renews the stamp once the writing transaction commits; a rolled-back write leaves
it as it was. Saving a user renews the stamp of each of their organisations, where
their name is shown. Writes that bypass model signals (bulk updates, restoring a
backup) call `touch` themselves.

The stamp is renewed by a one-row update after the commit, so no transaction ever
holds the organisation's row for it; between the commit and the renewal a reader
may cache the new content under the old stamp, which is harmless.
"""

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from cromaturity.models import Membership, Organisation, User, new_content_stamp
from cromaturity.scoping import OrgRequest


class _Renewal:
    """Renews one organisation's stamp; one per organisation per transaction."""

    def __init__(self, organisation_pk: int) -> None:
        self.organisation_pk = organisation_pk

    def __call__(self) -> None:
        Organisation.objects.filter(pk=self.organisation_pk).update(
            content_stamp=new_content_stamp()
        )


def touch(*organisation_pks: int) -> None:
    """Renew these organisations' stamps once the current transaction commits."""
    connection = transaction.get_connection()
    for organisation_pk in sorted(set(organisation_pks)):
        renewal = _Renewal(organisation_pk)
        if not connection.in_atomic_block:
            renewal()
            continue
        if not any(
            isinstance(pending, _Renewal) and pending.organisation_pk == organisation_pk
            for _, pending, _ in connection.run_on_commit
        ):
            transaction.on_commit(renewal, robust=True)


def cache_key(request: OrgRequest, name: str) -> str:
    """A cache key for `name` as the signed-in member sees it with this request's
    query string, valid until the organisation's content changes."""
    organisation = request.organisation
    membership = request.membership
    query = hashlib.sha256(request.GET.urlencode().encode()).hexdigest()[:32]
    return (
        f"{name}:{organisation.pk}.{organisation.content_stamp}:"
        f"{membership.user_id}.{membership.role}:{query}"
    )


def cached_for_member(
    request: OrgRequest, name: str, render: Callable[[], str], timeout: int
) -> str:
    """`render()`, kept in the cache under `cache_key(request, name)` for at most
    `timeout` seconds; the key changes with the organisation's content, so the
    timeout only frees memory held by what nobody asks for again."""
    content = cache.get_or_set(cache_key(request, name), render, timeout)
    # None comes back only if something stored None under the key.
    if content is None:
        content = render()
    return content


def organisations_of(instance: models.Model) -> list[int]:
    """The organisations whose content includes this object."""
    if isinstance(instance, Organisation):
        return [instance.pk]
    if isinstance(instance, User):
        return list(
            Membership.objects.filter(user_id=instance.pk).values_list(
                "organisation_id", flat=True
            )
        )
    organisation_pk = getattr(instance, "organisation_id", None)
    if organisation_pk is not None:
        return [organisation_pk]
    field = instance._meta.get_field("hypothesis")
    if not isinstance(field, models.ForeignKey):
        raise TypeError(f"{instance._meta.label}.hypothesis is not a foreign key")
    if field.is_cached(instance):
        hypothesis = field.get_cached_value(instance)
        if hypothesis is not None:
            # A foreign key's serializable value is its id, read without a query.
            return [hypothesis.serializable_value("organisation")]
    return list(
        field.related_model._base_manager.filter(
            pk=field.value_from_object(instance)
        ).values_list("organisation_id", flat=True)
    )


def _saved(sender, instance, update_fields=None, **kwargs) -> None:
    if sender is User and update_fields and set(update_fields) <= {"last_login"}:
        return
    touch(*organisations_of(instance))


def _deleted(sender, instance, **kwargs) -> None:
    touch(*organisations_of(instance))


def _related(sender, instance, action, **kwargs) -> None:
    if action.startswith("post_"):
        touch(*organisations_of(instance))


def watch(model: type[models.Model], *, deletes: bool = True) -> None:
    """Renew the stamp when objects of `model` are saved (and deleted).

    Each app watches the models its cached pages show. Objects of a model watched
    without deletes are only removed along with something that is watched.
    """
    uid = f"freshness-{model._meta.label_lower}"
    post_save.connect(_saved, sender=model, dispatch_uid=uid)
    if deletes:
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid)


def watch_related(through: type[models.Model]) -> None:
    """Renew the stamp when a many-to-many relation changes."""
    m2m_changed.connect(
        _related, sender=through, dispatch_uid=f"freshness-{through._meta.label_lower}"
    )
