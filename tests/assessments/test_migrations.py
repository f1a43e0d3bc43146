"""The migration that makes title and period unique keeps every assessment."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("assessments", "0003_share_links")]
AFTER = [("assessments", "0004_assessment_unique_title_period")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _back_to_the_latest_migrations():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_existing_duplicates_are_numbered_and_keep_their_answers(org, other_org):
    apps = migrate(BEFORE)
    try:
        Assessment = apps.get_model("assessments", "Assessment")
        MaturityModel = apps.get_model("assessments", "MaturityModel")
        Response = apps.get_model("assessments", "Response")
        Team = apps.get_model("cromaturity", "Team")
        model = MaturityModel.objects.first()

        def add(organisation_id, title, period, **fields):
            return Assessment.objects.create(
                organisation_id=organisation_id,
                maturity_model=model,
                title=title,
                period=period,
                **fields,
            )

        first = add(org.pk, "CRO maturity check", "Q4 2026")
        second = add(org.pk, "CRO maturity check", "Q4 2026")
        third = add(org.pk, "cro maturity check", "q4 2026")
        # A title that already reads like a numbered one is not taken twice.
        numbered = add(org.pk, "CRO maturity check (2)", "Q4 2026")
        other_period = add(org.pk, "CRO maturity check", "Q3 2026")
        elsewhere = add(other_org.pk, "CRO maturity check", "Q4 2026")
        long_title = "x" * 160
        long_first = add(org.pk, long_title, "Q4 2026")
        long_second = add(org.pk, long_title, "Q4 2026")
        team = Team.objects.filter(organisation_id=org.pk).first()
        Response.objects.create(assessment=second, team=team)
    finally:
        apps = migrate(AFTER)
    Assessment = apps.get_model("assessments", "Assessment")
    titles = dict(Assessment.objects.values_list("pk", "title"))
    assert titles[first.pk] == "CRO maturity check"
    assert titles[second.pk] == "CRO maturity check (3)"
    assert titles[third.pk] == "cro maturity check (4)"
    assert titles[numbered.pk] == "CRO maturity check (2)"
    assert titles[other_period.pk] == "CRO maturity check"
    assert titles[elsewhere.pk] == "CRO maturity check"
    assert titles[long_first.pk] == long_title
    assert titles[long_second.pk] == "x" * 156 + " (2)"
    assert Assessment.objects.count() == 8
    assert apps.get_model("assessments", "Response").objects.get().assessment_id == (
        second.pk
    )
