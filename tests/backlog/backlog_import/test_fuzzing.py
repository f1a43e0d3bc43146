"""Whatever a sheet holds, each row comes in whole or is rejected with a reason,
and what comes in obeys the pipeline and the scoring rules."""

import csv
import io

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backlog.feedback.importing.problems import ImportRefused
from backlog.feedback.importing.reading import FileProblem
from backlog.models import BacklogImport, Hypothesis, Score, SheetRow
from backlog.pipeline import READY_ON_THE_WAY
from tests.backlog.backlog_import.sheets import import_sheet

pytestmark = pytest.mark.django_db

HEADER = ["Id", "Title", "Status", "Owner", "Impact", "Confidence", "Ease",
          "ICE", "Measured by", "Result", "Learning", "Created"]  # fmt: skip
cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "7", "11", "0", "6.5", "Won", "Done", "Ready", "Running",
                     "2026-02-30", "2026-01-05 10:00", "=1+1", "carla", "x" * 260]),
)  # fmt: skip
rows = st.lists(st.lists(cell, min_size=len(HEADER), max_size=len(HEADER)), max_size=8)


class Rollback(Exception):
    pass


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=rows)
def test_every_row_comes_in_whole_or_is_rejected_with_a_reason(
    org, admin_user, rows, settings_override
):
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([HEADER, *rows])
    try:
        with transaction.atomic():
            try:
                backlog_import, summary = import_sheet(
                    org, admin_user, "fuzz.csv", buffer.getvalue().encode()
                )
            except (FileProblem, ImportRefused):
                assert not Hypothesis.objects.exists()
                assert not BacklogImport.objects.filter(status="succeeded").exists()
                raise Rollback from None
            read = backlog_import.rows_read
            assert summary.created + summary.rejected == read
            assert SheetRow.objects.count() == summary.created
            for hypothesis in Hypothesis.objects.all():
                if hypothesis.status in READY_ON_THE_WAY:
                    assert hypothesis.metric.strip()
                    assert hypothesis.score_total >= 1
                if hypothesis.status == "concluded":
                    assert hypothesis.result
                    assert hypothesis.learning.strip()
            for score in Score.objects.all():
                assert score.imported
                assert all(
                    1 <= getattr(score, name) <= 10
                    for name in ("impact", "confidence", "ease")
                )
            raise Rollback
    except Rollback:
        pass


@pytest.fixture
def settings_override(settings, tmp_path_factory):
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    return settings
