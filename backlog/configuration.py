"""An organisation's backlog settings: how it ranks and how it plans tests."""

from django.db import transaction

from backlog.models import BacklogSettings
from backlog.scoring.frameworks import Framework, IceMode
from backlog.scoring.recording import refresh_scores
from cromaturity.models import Organisation

EDITABLE = [
    "primary_framework",
    "ice_mode",
    "minimum_detectable_effect",
    "significance",
    "power",
    "variants",
    "correction",
    "maximum_weeks",
    "mask_contact_details",
    "country",
    "time_zone",
    "upload_retention_days",
]


def settings_for(organisation: Organisation) -> BacklogSettings:
    """The organisation's settings, or the defaults when it never changed them.

    Reading never writes: the row is created when an admin first saves.
    """
    found = BacklogSettings.objects.filter(organisation=organisation).first()
    return found or BacklogSettings(organisation=organisation)


@transaction.atomic
def update_backlog_settings(organisation: Organisation, **values) -> BacklogSettings:
    """Save new settings; a change of ICE formula recomputes every ICE score."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise TypeError(f"Not a backlog setting: {', '.join(sorted(unknown))}")
    current, _ = BacklogSettings.objects.select_for_update().get_or_create(
        organisation=organisation
    )
    ice_mode_changed = "ice_mode" in values and values["ice_mode"] != current.ice_mode
    for field, value in values.items():
        setattr(current, field, value)
    current.full_clean()
    current.save()
    if ice_mode_changed:
        refresh_scores(
            organisation.hypotheses.only("pk"),
            [Framework.ICE],
            ice_mode=IceMode(current.ice_mode),
        )
    return current
