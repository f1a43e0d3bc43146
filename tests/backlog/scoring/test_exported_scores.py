"""Scores leave the app to two decimals: in CSV, in XLSX and through the API."""

import csv
import io

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from backlog.scoring.frameworks import Framework, exported_score
from backlog.scoring.recording import score_hypothesis
from cromaturity.api_keys import create_api_key
from tests.backlog.factories import give_ice

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kept", "exported"),
    [
        (5.333333, 5.33),
        (7.166667, 7.17),
        (7.125, 7.13),
        (6.005, 6.01),
        (8.0, 8.0),
        (1000.0, 1000.0),
        (None, None),
    ],
)
def test_a_kept_score_is_exported_to_two_decimals_rounded_half_up(kept, exported):
    assert exported_score(kept) == exported


@given(st.floats(min_value=0, max_value=1000))
def test_an_exported_score_is_within_half_a_cent_of_the_kept_one(kept):
    exported = exported_score(kept)
    assert abs(exported - kept) <= 0.005 + 1e-9
    assert exported == round(exported, 2)


@pytest.fixture
def scored(make_hypothesis, admin_user):
    """ICE 16/3 (5.333…) and PIE 22/3 (7.333…): thirds that never end."""
    hypothesis = make_hypothesis("Show delivery dates")
    give_ice(hypothesis, admin_user, 5, 5, 6)
    score_hypothesis(
        hypothesis,
        scorer=admin_user,
        framework=Framework.PIE,
        values={"potential": 7, "importance": 7, "ease": 8},
    )
    return hypothesis


def _export(client, export_format):
    url = reverse(f"backlog:hypothesis-export-{export_format}", args=["acme"])
    response = client.get(url)
    assert response.status_code == 200
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_the_csv_export_writes_scores_to_two_decimals(scored, admin_client):
    text = _export(admin_client, "csv").decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(text)))
    assert (row["ICE score"], row["PIE score"], row["PXL score"]) == (
        "5.33",
        "7.33",
        "",
    )


def test_the_xlsx_export_keeps_scores_as_numbers_to_two_decimals(scored, admin_client):
    sheet = load_workbook(io.BytesIO(_export(admin_client, "xlsx")))["Hypotheses"]
    header = [cell.value for cell in sheet[1]]
    ice = sheet.cell(row=2, column=header.index("ICE score") + 1)
    pie = sheet.cell(row=2, column=header.index("PIE score") + 1)
    assert (ice.value, pie.value) == (5.33, 7.33)
    assert ice.data_type == "n"
    assert ice.number_format == "0.00"


def test_the_api_gives_scores_to_two_decimals(scored, client, org, admin_user):
    key = create_api_key(org, name="Reports", by=admin_user)[1]
    headers = {"X-API-Key": key}
    listed = client.get("/api/v1/hypotheses", headers=headers).json()
    assert [(h["ice_score"], h["pie_score"], h["pxl_score"]) for h in listed] == [
        (5.33, 7.33, None)
    ]
    one = client.get(f"/api/v1/hypotheses/{scored.pk}", headers=headers).json()
    assert (one["ice_score"], one["pie_score"]) == (5.33, 7.33)
