"""Scorecard exports read back and checked against the scoring module's numbers."""

import io
import re
import sys
from datetime import date

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from assessments import scoring
from assessments.exports import ExportFormat, export_scorecard
from assessments.management.commands.export_scorecard import Command
from assessments.models import (
    AgreedLevel,
    Answer,
    Assessment,
    AssessmentStatus,
    Point,
    Target,
)
from assessments.scorecard_csv import CSV_HEADER
from assessments.scorecard_pdf import (
    AssetPolicy,
    AssetRefused,
    PdfUnavailable,
    render_pdf,
)
from assessments.scorecards import build_scorecard
from cromaturity.models import AuditAction, AuditEvent, Team
from cromaturity.spreadsheets import FORMULA_TRIGGERS, restore_cell
from tests.access import assert_access
from tests.assessments.factories import add_response, make_assessment
from tests.spreadsheet_locales import (
    SEMICOLON_HOSTILE,
    every_field_quoted,
    live_formulas,
)

pytestmark = pytest.mark.django_db

HOSTILE = "=cmd|' /C calc'!A0"
HYPERLINK = '=HYPERLINK("http://x.invalid","y")'
INJECTED_IMAGE = '<img src="file:///etc/passwd"><img src="http://x.invalid/a.png">'


def set_evidence(response, key, text):
    Answer.objects.filter(response=response, point__key=key).update(evidence=text)


@pytest.fixture
def assessment(org, make_member, admin_user):
    """Three submitted responses from two teams, one unsubmitted, one agreed level.

    S1: CRO 4 (ana) and N/A (ben), Customer Service 1 (cleo): range 3 and team
    means 4 vs 1, so S1 is disputed. T1: ana does not know.
    """
    assessment = make_assessment(
        org, title="Spring check", period="Q2 2026", status=AssessmentStatus.CONSENSUS
    )
    ana = make_member(org, team="CRO", username="ana", first_name="Ana")
    ben = make_member(org, team="CRO", username="ben", first_name="Ben")
    cleo = make_member(org, team="Customer Service", username="cleo")
    late = make_member(org, team="Marketing", username="late")
    first = add_response(
        assessment, ana, team="CRO", default=2, levels={"S1": 4, "T1": "dk"}
    )
    add_response(assessment, ben, team="CRO", default=3, levels={"S1": "na"})
    third = add_response(
        assessment, cleo, team="Customer Service", default=1, levels={"S1": 1}
    )
    add_response(assessment, late, team="Marketing", default=5, submitted=False)
    set_evidence(first, "S1", HYPERLINK)
    set_evidence(first, "S2", HYPERLINK)
    set_evidence(third, "S1", INJECTED_IMAGE)
    set_evidence(third, "M5", HOSTILE)
    Target.objects.create(organisation=org, point_key="S1", level=4)
    AgreedLevel.objects.create(
        assessment=assessment,
        point=Point.objects.get(
            pillar__maturity_model=assessment.maturity_model, key="S1"
        ),
        level=3,
        rationale="@everyone agreed after the workshop",
        recorded_by=admin_user,
    )
    return assessment


def export_url(assessment, export_format):
    return reverse(
        f"assessments:scorecard-{export_format}",
        args=[assessment.organisation.slug, assessment.pk],
    )


def read_csv(content: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(content), encoding="utf-8-sig", keep_default_na=False)


def number(value):
    return None if value in ("", None) else float(value)


def test_csv_has_tidy_rows_with_the_scoring_modules_numbers(assessment):
    scorecard = build_scorecard(assessment)
    result = scorecard.result
    frame = read_csv(export_scorecard(scorecard, "csv").content)

    required = [
        "organisation",
        "assessment",
        "model version",
        "pillar",
        "point key",
        "point title",
        "team",
        "responses",
        "mean",
        "min",
        "max",
        "std",
        "level",
        "agreed level",
        "target",
    ]
    assert set(required) <= set(frame.columns)
    assert list(frame.columns) == CSV_HEADER
    teams = ["All teams", "CRO", "Customer Service"]
    # 21 points, 4 pillars and the whole, each for all teams and each team.
    assert len(frame) == (21 + 4 + 1) * len(teams)
    assert set(frame["organisation"]) == {"Acme Shop"}
    assert set(frame["assessment"]) == {"Spring check"}

    points = frame[frame["scope"] == "point"]
    for key, point in result.points.items():
        row = points[(points["point key"] == key) & (points["team"] == "All teams")]
        assert len(row) == 1
        row = row.iloc[0]
        assert number(row["mean"]) == pytest.approx(float(point.score), abs=1e-4)
        assert int(row["responses"]) == point.spread.count
        assert int(row["min"]) == point.spread.minimum
        assert int(row["max"]) == point.spread.maximum
        assert number(row["std"]) == pytest.approx(point.spread.std, abs=1e-4)
        assert int(row["level"]) == scoring.level_of(point.score)
        assert row["disagreement"] == ("yes" if point.disagreement else "no")

    s1 = points[points["point key"] == "S1"].set_index("team")
    assert number(s1.loc["All teams", "mean"]) == pytest.approx(2.5)
    assert int(s1.loc["All teams", "agreed level"]) == 3
    assert int(s1.loc["All teams", "target"]) == 4
    assert number(s1.loc["All teams", "gap"]) == pytest.approx(1.5)
    assert (int(s1.loc["CRO", "responses"]), int(s1.loc["CRO", "not applicable"])) == (
        1,
        1,
    )
    assert number(s1.loc["CRO", "mean"]) == 4
    assert number(s1.loc["Customer Service", "mean"]) == 1
    assert s1.loc["All teams", "disagreement"] == "yes"
    t1 = points[(points["point key"] == "T1")].set_index("team")
    assert int(t1.loc["CRO", "don't know"]) == 1
    assert number(t1.loc["CRO", "mean"]) == 3

    pillars = frame[frame["scope"] == "pillar"].set_index(["pillar", "team"])
    for row in scorecard.pillars:
        assert number(pillars.loc[(row.pillar.name, "All teams"), "mean"]) == (
            pytest.approx(float(row.result.score), abs=1e-4)
        )
        for team in scorecard.teams:
            assert number(pillars.loc[(row.pillar.name, team.team), "mean"]) == (
                pytest.approx(float(team.pillars[row.pillar.key]), abs=1e-4)
            )
    overall = frame[frame["scope"] == "overall"].set_index("team")
    assert number(overall.loc["All teams", "mean"]) == pytest.approx(
        float(result.overall), abs=1e-4
    )
    assert number(overall.loc["All teams", "index"]) == pytest.approx(
        result.index, abs=0.01
    )
    assert int(overall.loc["All teams", "responses"]) == 3
    assert number(overall.loc["CRO", "mean"]) == pytest.approx(
        float(result.teams["CRO"].overall), abs=1e-4
    )


def test_xlsx_has_the_five_sheets_with_numbers_as_numbers(assessment):
    scorecard = build_scorecard(assessment)
    content = export_scorecard(scorecard, "xlsx").content
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Summary", "Points", "Teams", "Answers", "Consensus"]
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
    points_sheet = workbook["Points"]
    assert points_sheet.column_dimensions["C"].width > 30
    header = [cell.value for cell in points_sheet[1]]
    score_column = header.index("Score")
    assert points_sheet.cell(row=2, column=score_column + 1).data_type == "n"

    points = pd.read_excel(io.BytesIO(content), sheet_name="Points").set_index("Point")
    assert points["Score"].dtype.kind == "f"
    for key, point in scorecard.result.points.items():
        assert points.loc[key, "Score"] == pytest.approx(float(point.score), abs=1e-4)
        assert points.loc[key, "Responses"] == point.spread.count
    assert points.loc["S1", "Agreed level"] == 3
    assert points.loc["S1", "Disagreement"] == "yes"
    assert points.loc["S1", "Gap"] == pytest.approx(1.5)

    summary = pd.read_excel(io.BytesIO(content), sheet_name="Summary").set_index("Item")
    assert summary.loc["Overall score (1–5)", "Value"] == pytest.approx(
        float(scorecard.result.overall), abs=1e-4
    )
    assert summary.loc["Responses counted (submitted)", "Value"] == 3

    teams = pd.read_excel(io.BytesIO(content), sheet_name="Teams").set_index("Team")
    assert teams.loc["CRO", "Respondents"] == 2
    assert teams.loc["CRO", "Overall"] == pytest.approx(
        float(scorecard.result.teams["CRO"].overall), abs=1e-4
    )

    answers = pd.read_excel(io.BytesIO(content), sheet_name="Answers")
    assert len(answers) == 3 * 21  # submitted responses only
    assert set(answers["Respondent"]) == {
        "Respondent 1",
        "Respondent 2",
        "Respondent 3",
    }
    s1 = answers[answers["Point"] == "S1"].set_index("Respondent")
    assert s1.loc["Respondent 1", "Evidence"] == "'" + HYPERLINK
    assert s1.loc["Respondent 2", "Answer"] == "Not applicable"
    words = " ".join(str(v) for v in answers.to_numpy().ravel()).split()
    assert "ana" not in words
    assert "cleo" not in words

    consensus = pd.read_excel(io.BytesIO(content), sheet_name="Consensus")
    assert consensus["Point"].tolist() == ["S1"]
    assert consensus["Agreed level"].tolist() == [3]
    assert consensus["Rationale"].map(restore_cell).tolist() == [
        "@everyone agreed after the workshop"
    ]


def _cells(export_format, content):
    if export_format == "csv":
        frame = read_csv(content)
        return [str(v) for v in frame.to_numpy().ravel()]
    workbook = load_workbook(io.BytesIO(content))
    return [
        cell.value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_no_scorecard_cell_starts_a_formula(assessment, export_format):
    Team.objects.filter(organisation=assessment.organisation, name="CRO").update(
        name="+CRO"
    )
    assessment.title = HOSTILE
    assessment.save(update_fields=["title"])
    content = export_scorecard(build_scorecard(assessment), export_format).content
    cells = _cells(export_format, content)
    assert not [c for c in cells if c.startswith(FORMULA_TRIGGERS)]
    assert "'" + HOSTILE in cells
    assert "'+CRO" in cells
    if export_format == "xlsx":
        assert "'" + HYPERLINK in cells


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_pdf_is_at_most_two_a4_pages_with_the_scorecards_numbers(assessment):
    scorecard = build_scorecard(assessment)
    content = export_scorecard(scorecard, "pdf").content
    reader = PdfReader(io.BytesIO(content))
    assert 1 <= len(reader.pages) <= 2
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points
    text = pdf_text(content)
    assert "Acme Shop" in text
    assert "Spring check" in text
    overall = scorecard.result.overall
    assert f"Score {float(overall):.2f} of 5" in text
    assert f"index {scoring.index_of(overall):.0f} of 100" in text
    for row in scorecard.pillars:
        assert row.pillar.name in text
        assert f"{float(row.result.score):.2f}" in text
    for row in scorecard.weakest:
        assert row.point.title in text
    assert "Where people disagree" in text
    assert "team means differ by 3.00" in text.lower()


def test_pdf_shows_evidence_as_plain_text_and_loads_nothing_it_names(assessment):
    content = export_scorecard(build_scorecard(assessment), "pdf").content
    text = pdf_text(content)
    assert HYPERLINK in text
    assert "file:///etc/passwd" in text
    assert b"/URI" not in content
    reader = PdfReader(io.BytesIO(content))
    assert not [image for page in reader.pages for image in page.images]


def test_pdf_renderer_refuses_files_outside_the_static_folder_and_the_network():
    policy = AssetPolicy()
    html = (
        '<p>x</p><img src="file:///etc/passwd"><img src="http://x.invalid/a.png">'
        '<img src="https://x.invalid/b.png"><img src="../../../../../../etc/hosts">'
        '<link rel="stylesheet" href="ftp://x.invalid/c.css">'
        '<img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22'
        ' width=%2210%22 height=%2210%22/%3E">'
        '<link rel="stylesheet" href="assessments/scorecard_pdf.css">'
    )
    content = render_pdf(html, policy)
    assert content.startswith(b"%PDF")
    refused = " ".join(policy.refused)
    assert "file:///etc/passwd" in refused
    assert "http://x.invalid/a.png" in refused
    assert "https://x.invalid/b.png" in refused
    assert "etc/hosts" in refused
    assert not [url for url in policy.refused if url.startswith("data:")]
    assert not [url for url in policy.refused if "scorecard_pdf.css" in url]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("data:text/plain,hello", True),
        ("file:///etc/passwd", False),
        ("file://localhost/etc/passwd", False),
        ("http://127.0.0.1/static/app.css", False),
        ("https://x.invalid/", False),
        ("ftp://x.invalid/", False),
        ("file://evil.invalid/static/assessments/scorecard_pdf.css", False),
    ],
)
def test_asset_policy(url, allowed):
    policy = AssetPolicy()
    assert policy.permits(url) is allowed
    if not allowed:
        with pytest.raises(AssetRefused):
            policy.check(url)


def test_asset_policy_allows_the_apps_static_files_only_by_their_real_path(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    (root / "a.css").write_text("p {}")
    (tmp_path / "secret.txt").write_text("x")
    (root / "link.css").symlink_to(tmp_path / "secret.txt")
    policy = AssetPolicy(roots=(root,))
    assert policy.permits((root / "a.css").as_uri())
    assert not policy.permits((root / "link.css").as_uri())
    assert not policy.permits((root / ".." / "secret.txt").as_uri())
    assert not policy.permits((root / "missing.css").as_uri())


def test_a_pdf_of_many_teams_disagreeing_with_long_evidence_still_fits_two_pages(
    org, make_member
):
    assessment = make_assessment(org, title="Busy check")
    teams = [team.name for team in Team.objects.for_org(org)]
    assert len(teams) == 6
    for n, team in enumerate(teams * 2):
        response = add_response(
            assessment, make_member(org, team=team), team=team, default=1 + 4 * (n % 2)
        )
        Answer.objects.filter(response=response).update(
            evidence=f"Respondent {n} has a long story to tell. " * 50
        )
    Target.objects.bulk_create(
        Target(organisation=org, point_key=p.key, level=5)
        for p in Point.objects.filter(pillar__maturity_model=assessment.maturity_model)
    )
    scorecard = build_scorecard(assessment)
    assert len(scorecard.disputed) == 21
    reader = PdfReader(io.BytesIO(export_scorecard(scorecard, "pdf").content))
    assert len(reader.pages) <= 2


def test_scorecard_csv_quotes_every_field_for_semicolon_locales(assessment, org):
    Assessment.objects.filter(pk=assessment.pk).update(title=SEMICOLON_HOSTILE)
    assessment.refresh_from_db()
    content = export_scorecard(build_scorecard(assessment), "csv").content
    assert every_field_quoted(content)
    assert live_formulas(content) == []
    assert set(read_csv(content)["assessment"]) == {SEMICOLON_HOSTILE}


def test_pdf_without_weasyprint_says_what_is_missing(assessment, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(PdfUnavailable, match="WeasyPrint and the Pango library"):
        export_scorecard(build_scorecard(assessment), "pdf")


@pytest.mark.parametrize(
    ("export_format", "content_type", "magic"),
    [
        ("csv", "text/csv; charset=utf-8", b'\xef\xbb\xbf"organisation",'),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            b"PK",
        ),
        ("pdf", "application/pdf", b"%PDF"),
    ],
)
def test_scorecard_download_access_name_and_type(
    assessment, org, export_format, content_type, magic
):
    response = assert_access(export_url(assessment, export_format), organisation=org)
    day = timezone.localdate().isoformat()
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="acme-spring-check-q2-2026-scorecard-{day}.'
        f'{export_format}"'
    )
    assert response.content.startswith(magic)
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert event.organisation == org
    assert event.actor == response.client_user
    assert "Spring check" in event.summary


def test_a_download_is_refused_for_another_organisations_assessment(
    assessment, other_org, make_member, client
):
    client.force_login(make_member(other_org))
    url = reverse("assessments:scorecard-csv", args=[other_org.slug, assessment.pk])
    assert client.get(url).status_code == 404


def test_pdf_download_without_weasyprint_returns_to_the_scorecard_with_a_message(
    assessment, admin_client, monkeypatch
):
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    response = admin_client.get(export_url(assessment, "pdf"), follow=True)
    assert response.redirect_chain[-1][0] == assessment.get_absolute_url()
    assert "PDF export needs WeasyPrint" in response.text
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


def test_scorecard_page_offers_the_three_downloads(assessment, org):
    response = assert_access(assessment.get_absolute_url(), organisation=org)
    for export_format in ("csv", "xlsx", "pdf"):
        assert f'href="{export_url(assessment, export_format)}" download' in (
            response.text
        )


@pytest.mark.parametrize("export_format", ExportFormat.values)
def test_command_writes_the_same_bytes_as_the_browser(
    assessment, admin_client, tmp_path, export_format
):
    target = tmp_path / f"scorecard.{export_format}"
    out = io.StringIO()
    call_command(
        "export_scorecard",
        "--org=acme",
        f"--assessment={assessment.pk}",
        f"--format={export_format}",
        f"--output={target}",
        stdout=out,
    )
    assert "Wrote" in out.getvalue()
    downloaded = admin_client.get(export_url(assessment, export_format)).content
    assert target.read_bytes() == downloaded
    assert not list(tmp_path.glob(".*partial"))


def test_command_latest_takes_the_most_recently_opened_assessment(
    assessment, org, tmp_path
):
    newer = make_assessment(org, title="Autumn check", period="Q4 2026")
    target = tmp_path / "latest.csv"
    call_command(
        "export_scorecard",
        "--org=acme",
        "--latest",
        "--format=csv",
        f"--output={target}",
        stdout=io.StringIO(),
    )
    assert set(read_csv(target.read_bytes())["assessment"]) == {newer.title}
    assert AuditEvent.objects.filter(
        action=AuditAction.EXPORTED, actor_name="manage.py", organisation=org
    ).exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--org=nowhere", "--latest"], "no organisation with the slug “nowhere”"),
        (["--org=acme", "--assessment=999999"], "no assessment with the id 999999"),
        (["--org=rival", "--latest"], "Rival Retail has no assessments yet"),
    ],
)
def test_command_refuses_an_unknown_organisation_or_assessment(
    assessment, other_org, tmp_path, arguments, message
):
    target = tmp_path / "never.csv"
    with pytest.raises(CommandError, match=message):
        call_command(
            "export_scorecard", *arguments, "--format=csv", f"--output={target}"
        )
    assert not target.exists()


def test_command_refuses_another_organisations_assessment_with_a_non_zero_exit(
    assessment, other_org, tmp_path, capsys
):
    target = tmp_path / "never.csv"
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(
            [
                "manage.py",
                "export_scorecard",
                "--org=rival",
                f"--assessment={assessment.pk}",
                "--format=csv",
                f"--output={target}",
            ]
        )
    assert exit_info.value.code != 0
    assert re.search(
        r"Rival Retail has no assessment with the id \d+", (capsys.readouterr().err)
    )
    assert not target.exists()


def test_a_download_is_only_answered_to_get(assessment, admin_client):
    assert admin_client.post(export_url(assessment, "csv")).status_code == 405
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


def test_two_assessments_exported_on_one_day_get_different_file_names(org):
    day = timezone.localdate()
    spring = make_assessment(org, title="Spring check", period="Q2 2026")
    autumn = make_assessment(org, title="Autumn check", period="Q4 2026")
    names = {
        export_scorecard(build_scorecard(a), ExportFormat.CSV, day=day).filename
        for a in (spring, autumn)
    }
    assert names == {
        f"acme-spring-check-q2-2026-scorecard-{day.isoformat()}.csv",
        f"acme-autumn-check-q4-2026-scorecard-{day.isoformat()}.csv",
    }


@pytest.mark.parametrize(
    ("title", "period", "ascii_name", "utf8_name"),
    [
        (
            "Étude de maturité",
            "T4 2026",
            "acme-etude-de-maturite-t4-2026-scorecard-2026-12-01.csv",
            "acme-%C3%A9tude-de-maturit%C3%A9-t4-2026-scorecard-2026-12-01.csv",
        ),
        (
            "成熟度評価",
            "2026",
            "acme-2026-scorecard-2026-12-01.csv",
            "acme-%E6%88%90%E7%86%9F%E5%BA%A6%E8%A9%95%E4%BE%A1-2026-scorecard-"
            "2026-12-01.csv",
        ),
    ],
)
def test_a_non_ascii_title_is_named_in_a_safe_content_disposition(
    org, admin_client, title, period, ascii_name, utf8_name, monkeypatch
):
    assessment = make_assessment(org, title=title, period=period)
    monkeypatch.setattr(
        "assessments.exports.timezone.localdate",
        lambda: date(2026, 12, 1),
    )
    response = admin_client.get(export_url(assessment, "csv"))
    header = response["Content-Disposition"]
    assert header.isascii()
    assert header == (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{utf8_name}"
    )


def test_a_title_of_quotes_and_slashes_cannot_break_the_download_header(org):
    assessment = make_assessment(org, title='"; filename="evil.exe', period="/../")
    export_file = export_scorecard(
        build_scorecard(assessment), ExportFormat.CSV, day=timezone.localdate()
    )
    assert re.fullmatch(
        r"acme-[a-z0-9-]+-scorecard-\d{4}-\d\d-\d\d\.csv", (export_file.filename)
    )
    assert "evil-exe" in export_file.filename
