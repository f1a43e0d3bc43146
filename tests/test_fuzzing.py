"""Property-based fuzzing of the forms, the import and the API.

Arbitrary text (control characters and NUL included), numbers, dates, ids of
other organisations and files are thrown at every form that writes the backlog
and feedback, at the file import and at the API batch. Whatever arrives:

* the answer is never a server error;
* a refused request changes nothing (no row, no file), and an accepted one
  writes the whole thing, consistently.

Each example runs inside a transaction rolled back afterwards, so the examples
are independent; the number of examples is kept small enough for CI.
"""

import csv
import io
import json
import string
import zipfile
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from backlog.authoring import save_hypothesis
from backlog.feedback.capture import FeedbackInput, record_feedback
from backlog.feedback.importing.reading import FileProblem
from backlog.feedback.importing.run import (
    ImportRefused,
    confirm_import,
    prepare_import,
    run_import,
)
from backlog.models import (
    FeedbackImport,
    FeedbackItem,
    Hypothesis,
    ImportStatus,
    Page,
    Score,
    Tag,
)
from backlog.scoring.frameworks import Framework, summarise
from cromaturity.api_keys import create_api_key
from cromaturity.models import Membership, Role, Team
from tests.access import member_client
from tests.assessments.factories import make_assessment
from tests.test_isolation import ORG_URLS, _url, world  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
OUR_APPS = ("cromaturity", "assessments", "backlog", "collaboration")

# Text of every kind, NUL and other control characters included.
any_text = st.text(st.characters(codec="utf-8"), max_size=250)
nasty = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "0",
        "-1",
        "1e309",
        "NaN",
        "99999999999999999999999",
        "9" * 5000,
        "2026-02-30",
        "31.12.2026 14:05",
        "0001-01-01 00:00",
        "9999-12-31 23:59:59",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "<script>alert(1)</script>",
        '=HYPERLINK("http://evil")',
        "../../etc/passwd",
        "x" * 5000,
        "Ärger mit der Größe 😡",
        "\u202eevil",
    ]
)
number = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
date = st.one_of(st.dates().map(str), st.datetimes().map(str))
scalar = st.one_of(nasty, any_text, nasty, number, date)


@st.composite
def mostly(draw, valid: st.SearchStrategy, other: st.SearchStrategy):
    """Usually a valid value, so that the other fields get tested too."""
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        return draw(other)
    return draw(valid)


def form_values(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy[dict]:
    """Form data where each field is missing, arbitrary or plausible."""
    return st.fixed_dictionaries(
        {}, optional={name: mostly(good, scalar) for name, good in fields.items()}
    )


def snapshot() -> dict:
    """Every row of the project's own models."""
    return {
        model._meta.label: sorted(map(repr, model.objects.order_by("pk").values_list()))
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
    }


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def ids(org, other_org, admin_user, make_member):
    """Ids a form may be sent: this organisation's and another's."""
    rival = make_member(other_org, role=Role.EDITOR)
    page = Page.objects.create(organisation=org, name="Checkout")
    tag = Tag.objects.create(organisation=org, name="mobile")
    hypothesis = save_hypothesis(
        Hypothesis(organisation=org, title="Show delivery dates", metric="Orders"),
        by=admin_user,
        tags=[tag],
    )
    theirs = save_hypothesis(
        Hypothesis(organisation=other_org, title="Theirs"),
        by=rival,
        new_tag_names=["theirs"],
    )
    item = record_feedback(
        org,
        FeedbackInput(text="Where is my parcel?", source="chat", themes="delivery"),
        by=admin_user,
        team=None,
        mask_contacts=True,
        pseudonym_key=b"k",
    )
    return {
        "hypothesis": hypothesis,
        "item": item,
        "ids": st.sampled_from(
            [
                str(page.pk),
                str(tag.pk),
                str(admin_user.pk),
                str(Team.objects.for_org(org).first().pk),
                str(Team.objects.for_org(other_org).first().pk),
                str(Page.objects.create(organisation=other_org, name="Theirs").pk),
                str(Tag.objects.get(organisation=other_org).pk),
                str(rival.pk),
                str(theirs.pk),
                str(make_assessment(other_org).pk),
                str(make_assessment(org).pk),
            ]
        ),
    }


def hypothesis_fields(ids) -> dict:
    return {
        "title": any_text,
        "kind": st.sampled_from(["test", "improvement"]),
        "observation": any_text,
        "change": any_text,
        "audience": any_text,
        "impact": any_text,
        "metric": any_text,
        "page": ids,
        "owner": ids,
        "team": ids,
        "tags": st.lists(ids, max_size=3),
        "new_tags": any_text,
        "point_key": st.sampled_from(["S3", "s3", "Z9", ""]),
        "source_assessment": ids,
        "result": st.sampled_from(["won", "lost", "inconclusive"]),
        "learning": any_text,
    }


def no_nul_stored() -> bool:
    """PostgreSQL refuses NUL in text; SQLite would keep it. Neither gets one."""
    return not any(
        "\x00" in value
        for row in FeedbackItem.objects.values_list("text", "page", "external_id")
        for value in row
        if value
    )


def assert_answered(response, *allowed):
    assert response.status_code < 500
    assert response.status_code in allowed, response.status_code


def test_creating_hypotheses_from_arbitrary_input(org, ids):
    client = member_client(org, Role.CONTRIBUTOR)
    target = reverse("backlog:hypothesis-create", args=["acme"])

    @FUZZ
    @given(data=form_values(hypothesis_fields(ids["ids"])))
    def check(data):
        with rolled_back():
            before = snapshot()
            count = Hypothesis.objects.count()
            response = client.post(target, data)
            assert_answered(response, 302, 400)
            if response.status_code == 400:
                assert snapshot() == before
                return
            assert Hypothesis.objects.count() == count + 1
            created = Hypothesis.objects.latest("pk")
            assert (created.organisation, created.created_by) == (org, client.user)
            assert (created.status, created.version) == ("idea", 1)
            assert all(tag.organisation_id == org.pk for tag in created.tags.all())
            if created.team:
                assert created.team.organisation == org

    check()


def test_editing_a_hypothesis_with_arbitrary_input(org, ids):
    client = member_client(org, Role.EDITOR)
    hypothesis = ids["hypothesis"]
    target = reverse("backlog:hypothesis-update", args=["acme", hypothesis.pk])
    fields = {
        **hypothesis_fields(ids["ids"]),
        "version": st.sampled_from(["1", "0", "2", "-1", ""]),
    }

    @FUZZ
    @given(data=form_values(fields))
    def check(data):
        with rolled_back():
            before = snapshot()
            response = client.post(target, data)
            assert_answered(response, 302, 400, 409)
            stored = Hypothesis.objects.get(pk=hypothesis.pk)
            if response.status_code != 302:
                assert snapshot() == before
                return
            assert stored.organisation == org
            assert stored.version in (1, 2)
            assert all(tag.organisation_id == org.pk for tag in stored.tags.all())

    check()


def _aggregates_match_scores(hypothesis):
    hypothesis.refresh_from_db()
    for framework in Framework:
        values = [
            score.value(feedback_linked=hypothesis.evidence_items > 0)
            for score in Score.objects.filter(
                hypothesis=hypothesis, framework=framework
            )
        ]
        summary = summarise(values, framework)
        assert hypothesis.count_of(framework) == len(values)
        expected = summary.mean if summary else None
        assert hypothesis.score_of(framework) == pytest.approx(expected)


def test_scoring_with_arbitrary_input(org, ids):
    client = member_client(org, Role.CONTRIBUTOR)
    hypothesis = ids["hypothesis"]
    target = reverse("backlog:hypothesis-score", args=["acme", hypothesis.pk])
    rating = st.integers(min_value=-2, max_value=12).map(str)
    prefixes = st.sampled_from(["ice", "pie", "pxl", f"h{hypothesis.pk}-ice", "x"])
    parts = ["impact", "confidence", "potential", "importance", "ease", "pxl_ease"]
    parts += ["above_the_fold", "found_in_analytics", "note", "version"]

    @st.composite
    def score_posts(draw):
        prefix = draw(prefixes)
        data = draw(
            form_values({f"{prefix}-{part}": rating for part in parts})
            | st.fixed_dictionaries({})
        )
        data.update(
            draw(
                form_values(
                    {
                        "framework": st.sampled_from(["ice", "pie", "pxl", "rice"]),
                        "in": st.just("row"),
                        "position": rating,
                        "next": st.sampled_from(["/o/acme/backlog/", "//evil.test"]),
                    }
                )
            )
        )
        return data, draw(st.booleans())

    @FUZZ
    @given(post=score_posts())
    def check(post):
        data, htmx = post
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        with rolled_back():
            before = snapshot()
            response = client.post(target, data, **headers)
            assert_answered(response, 200, 302, 400, 409)
            if response.status_code in (400, 409):
                assert snapshot() == before
            assert Score.objects.exclude(scorer=client.user).count() == 0
            assert Score.objects.filter(scorer=client.user).count() <= 1
            if response.status_code == 302:
                assert "evil" not in response["Location"]
            _aggregates_match_scores(hypothesis)

    check()


FEEDBACK_FIELDS = {
    "text": any_text,
    "source": st.sampled_from(["chat", "call", "email", "ticket", "fax"]),
    "page": any_text,
    "themes": any_text,
    "sentiment": st.sampled_from(["positive", "negative", "neutral", "angry"]),
    "another": st.just("1"),
}


def test_capturing_feedback_with_arbitrary_input(org):
    client = member_client(org, Role.CONTRIBUTOR)
    target = reverse("feedback:item-create", args=["acme"])

    @FUZZ
    @given(data=form_values(FEEDBACK_FIELDS))
    def check(data):
        with rolled_back():
            before = snapshot()
            count = FeedbackItem.objects.count()
            response = client.post(target, data)
            # Nothing posted at all shows the empty form (200).
            assert_answered(response, 200, 302, 400)
            if response.status_code != 302:
                assert snapshot() == before
                return
            assert FeedbackItem.objects.count() == count + 1
            item = FeedbackItem.objects.latest("pk")
            assert (item.organisation, item.submitted_by) == (org, client.user)
            assert "\x00" not in item.text
            assert all(theme.organisation_id == org.pk for theme in item.themes.all())

    check()


def test_editing_feedback_with_arbitrary_input(org, ids):
    client = member_client(org, Role.EDITOR)
    item = ids["item"]
    target = reverse("feedback:item-update", args=["acme", item.pk])
    fields = {
        **FEEDBACK_FIELDS,
        "product_area": any_text,
        "customer": any_text,
        "received_at": date,
        "version": st.sampled_from(["1", "0", "7", ""]),
    }

    @FUZZ
    @given(data=form_values(fields))
    def check(data):
        with rolled_back():
            before = snapshot()
            response = client.post(target, data)
            assert_answered(response, 200, 302, 400, 409)
            if response.status_code != 302:
                assert snapshot() == before
                return
            stored = FeedbackItem.objects.get(pk=item.pk)
            assert stored.organisation == org
            assert stored.version in (1, 2)

    check()


def csv_bytes(rows: list[list[str]], encoding: str, delimiter: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding, "replace")


cell = st.one_of(any_text, nasty, date, number)
spreadsheet_like = st.builds(
    csv_bytes,
    st.lists(st.lists(cell, min_size=1, max_size=6), min_size=1, max_size=12),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    st.sampled_from([",", ";", "\t"]),
)
help_desk_like = st.builds(
    lambda rows, encoding: csv_bytes(
        [["Ticket ID", "Description", "Created at", "Tags", "Channel"], *rows],
        encoding,
        ",",
    ),
    st.lists(st.lists(cell, min_size=5, max_size=5), max_size=12),
    st.sampled_from(["utf-8", "utf-16"]),
)
zip_like = st.binary(max_size=200).map(lambda tail: b"PK\x03\x04" + tail)


def workbook_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        try:
            workbook.active.append(row)
        except (ValueError, IllegalCharacterError):
            continue  # a cell openpyxl itself refuses to write
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


workbook_like = st.builds(
    workbook_bytes,
    st.lists(
        st.lists(st.one_of(cell, st.integers(), st.floats(), st.none()), max_size=5),
        min_size=1,
        max_size=8,
    ),
)
damaged_workbook = st.builds(
    zip_bytes,
    st.fixed_dictionaries(
        {
            "[Content_Types].xml": st.binary(max_size=100),
            "xl/workbook.xml": st.binary(max_size=200),
        },
        optional={"xl/worksheets/sheet1.xml": st.binary(max_size=200)},
    ),
)
file_content = st.one_of(
    st.binary(max_size=2000),
    spreadsheet_like,
    help_desk_like,
    zip_like,
    workbook_like,
    damaged_workbook,
)
file_name = st.sampled_from(
    ["export.csv", "export.xlsx", "export.tsv", "export.txt", "export.exe", "noext"]
)


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_uploading_arbitrary_files(org, settings):
    client = member_client(org, Role.CONTRIBUTOR)
    target = reverse("feedback:import-create", args=["acme"])

    @FUZZ
    @given(content=file_content, name=file_name)
    def check(content, name):
        with rolled_back():
            before, files = snapshot(), stored_files(settings)
            upload = ContentFile(content, name=name)
            response = client.post(target, {"file": upload})
            assert_answered(response, 302, 400)
            if response.status_code == 400:
                assert snapshot() == before
                assert stored_files(settings) == files
                return
            feedback_import = FeedbackImport.objects.latest("pk")
            assert feedback_import.status == ImportStatus.UPLOADED
            assert Path(feedback_import.file.path).read_bytes() == content
            # The stored name is the server's, whatever the file was called.
            assert name not in feedback_import.file.name
            detail = client.get(response["Location"])
            assert detail.status_code == 200

    check()


def test_importing_arbitrary_rows_saves_all_or_nothing(org, settings):
    @FUZZ
    @given(content=st.one_of(help_desk_like, spreadsheet_like, workbook_like))
    def check(content):
        with rolled_back():
            try:
                feedback_import = prepare_import(
                    org,
                    uploaded=ContentFile(content, name="export.csv"),
                    original_name="export.csv",
                    by=None,
                )
            except FileProblem:
                return
            try:
                confirm_import(
                    feedback_import,
                    mapping=feedback_import.mapping,
                    source_system=feedback_import.source_system,
                    date_format=feedback_import.date_format,
                )
            except ImportRefused:
                return
            items_before = FeedbackItem.objects.count()
            try:
                summary = run_import(feedback_import)
            except (FileProblem, ImportRefused):
                feedback_import.refresh_from_db()
                assert feedback_import.status == ImportStatus.FAILED
                assert FeedbackItem.objects.count() == items_before
                return
            feedback_import.refresh_from_db()
            assert feedback_import.status == ImportStatus.SUCCEEDED
            assert feedback_import.rows_read == (
                summary.created + summary.updated + summary.unchanged + summary.rejected
            )
            assert FeedbackItem.objects.count() == items_before + summary.created
            assert no_nul_stored()

    check()


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=12,
)


api_item = st.fixed_dictionaries(
    {
        "external_id": mostly(st.text(string.ascii_letters, min_size=1), scalar),
        "text": mostly(st.text(string.printable, min_size=1), any_text),
        "received_at": mostly(
            st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
            st.one_of(date, scalar, st.integers()),
        ),
    },
    optional={
        "source": mostly(st.sampled_from(["chat", "ticket"]), scalar),
        "page": scalar,
        "product_area": scalar,
        "customer": scalar,
        "sentiment": mostly(st.sampled_from(["positive", ""]), scalar),
        "themes": mostly(st.lists(scalar, max_size=5), st.lists(scalar, max_size=40)),
        "organisation": st.integers(),
    },
)
near_valid_batch = st.fixed_dictionaries(
    {
        "source_system": mostly(
            st.sampled_from(["zendesk", "intercom"]),
            st.one_of(st.text(string.ascii_lowercase + "-_.", min_size=1), scalar),
        ),
        "items": st.lists(
            api_item,
            min_size=1,
            max_size=4,
            unique_by=lambda item: str(item["external_id"]),
        ),
    }
)


@st.composite
def api_batch(draw):
    """Mostly near-valid batches, sometimes any JSON at all."""
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        return draw(json_value)
    return draw(near_valid_batch)


def test_the_api_batch_with_arbitrary_json(org, admin_user):
    _, key = create_api_key(org, name="desk", by=admin_user)
    client = Client()
    # The key's first use is recorded; later ones within minutes are not.
    client.get("/api/v1/organisation", headers={"X-API-Key": key})

    @FUZZ
    @given(body=api_batch())
    def check(body):
        with rolled_back():
            before = snapshot()
            count = FeedbackItem.objects.count()
            response = client.post(
                "/api/v1/feedback/batch",
                json.dumps(body),
                content_type="application/json",
                headers={"X-API-Key": key},
            )
            assert_answered(response, 200, 400, 422)
            if response.status_code != 200:
                assert snapshot() == before
                return
            answer = response.json()
            assert FeedbackItem.objects.count() == count + answer["created"]
            assert len(answer["items"]) == len(body["items"])
            assert no_nul_stored()

    check()


LIST_URLS = [
    ("backlog:hypothesis-list", ()),
    ("backlog:board", ()),
    ("backlog:learning-list", ()),
    ("backlog:planner", ()),
    ("backlog:hypothesis-create", ()),
    ("backlog:hypothesis-export-csv", ()),
    ("feedback:item-list", ()),
    ("feedback:item-export-csv", ()),
    ("feedback:theme-list", ()),
    ("feedback:import-list", ()),
    ("collaboration:activity", ()),
    ("collaboration:notification-list", ()),
    ("collaboration:people", ()),
    ("audit-log", ()),
    ("assessments:assessment-list", ()),
]
QUERY_NAMES = [
    "q",
    "status",
    "kind",
    "team",
    "owner",
    "tag",
    "step",
    "framework",
    "score_min",
    "score_max",
    "flag",
    "evidence",
    "sort",
    "page",
    "source",
    "theme",
    "sentiment",
    "received_from",
    "received_to",
    "show",
    "action",
    "baseline",
    "mde",
    "significance",
    "power",
    "variants",
    "daily_visitors",
    "correct",
    "point",
    "assessment",
    "title",
]


def test_list_pages_with_arbitrary_query_strings(org, ids, admin_client):
    @FUZZ
    @given(
        target=st.sampled_from(LIST_URLS),
        query=st.dictionaries(
            st.sampled_from(QUERY_NAMES), st.one_of(scalar, ids["ids"]), max_size=6
        ),
    )
    def check(target, query):
        name, args = target
        response = admin_client.get(reverse(name, args=["acme", *args]), query)
        # The planner answers a bad query with its form and 400.
        assert response.status_code in (200, 302, 400), response.status_code

    check()


class _Forms(HTMLParser):
    """The POST forms of a page: action, and each field with the values offered."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, set[str]]]] = []
        self._fields: dict[str, set[str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._fields = {}
            self.forms.append((attrs.get("action") or "", self._fields))
        elif self._fields is not None and tag in ("input", "select", "textarea"):
            name = attrs.get("name")
            if name and name != "csrfmiddlewaretoken":
                self._fields.setdefault(name, set()).add(attrs.get("value") or "")
                self._select = name if tag == "select" else None
        elif self._fields is not None and tag == "option" and self._select:
            self._fields[self._select].add(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None


def post_forms(
    client, urls: list[str], prefix: str
) -> list[tuple[str, dict[str, list[str]]]]:
    """Every POST form found on the pages, by the address it posts to."""
    found: dict[str, dict[str, set[str]]] = {}
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or "html" not in response["Content-Type"]:
            continue
        parser = _Forms()
        parser.feed(response.content.decode())
        for action, fields in parser.forms:
            target = urljoin(url, action).split("#")[0]
            if urlsplit(target).path.startswith(prefix):
                merged = found.setdefault(target, {})
                for name, values in fields.items():
                    merged.setdefault(name, set()).update(values)
    return sorted(
        (target, {name: sorted(values) for name, values in fields.items()})
        for target, fields in found.items()
    )


def test_every_form_of_every_page_with_arbitrary_input(request):
    """Each POST form on the organisation's pages, with its own fields filled
    with what it offers or with arbitrary values: never an error, and a refused
    request changes nothing."""
    objects = request.getfixturevalue("world")  # every kind of object, in org A
    slug = objects.org_a.slug
    client = Client()
    client.force_login(
        Membership.objects.get(organisation=objects.org_a, role=Role.ADMIN).user
    )
    pages = [_url(name, params, objects, slug) for name, params in ORG_URLS]
    forms = post_forms(client, pages, f"/o/{slug}/")
    assert len(forms) > 30, [target for target, _ in forms]

    @st.composite
    def submissions(draw):
        target, fields = draw(st.sampled_from(forms))
        data = {}
        for name, offered in fields.items():
            choice = draw(st.sampled_from(["offered", "offered", "any", "missing"]))
            if choice == "offered":
                data[name] = draw(st.sampled_from(offered))
            elif choice == "any":
                data[name] = draw(scalar)
        return target, data, draw(st.booleans())

    @settings(FUZZ, max_examples=FUZZ.max_examples * 4)
    @given(submission=submissions())
    def check(submission):
        target, data, htmx = submission
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        with rolled_back():
            before = snapshot()
            response = client.post(target, data, **headers)
            assert response.status_code < 500, target
            if response.status_code >= 400:
                assert snapshot() == before, target

    check()
