"""Emails of notifications, sent by the task worker (`manage.py db_worker`)."""

from django.tasks import task

from collaboration import emails


@task()
def send_notification_email(notification_id: int) -> str:
    return emails.send_one(notification_id)


@task()
def send_digest(user_id: int, organisation_id: int) -> str:
    return emails.send_digest(user_id, organisation_id)
