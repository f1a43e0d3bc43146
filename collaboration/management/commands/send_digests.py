from django.core.management.base import BaseCommand

from collaboration.emails import digest_recipients
from collaboration.tasks import send_digest


class Command(BaseCommand):
    help = (
        "Queue the daily email digest of notifications for everyone who has one "
        "due. Run it once a day (from cron or a scheduler); the task worker sends "
        "the emails."
    )

    def handle(self, *args, **options):
        recipients = digest_recipients()
        for user_id, organisation_id in recipients:
            send_digest.enqueue(user_id=user_id, organisation_id=organisation_id)
        self.stdout.write(
            f"Queued {len(recipients)} digest{'s' if len(recipients) != 1 else ''}."
        )
