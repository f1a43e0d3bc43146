"""No lost updates: edits made to an outdated copy are refused, both shown."""

import pytest
from django.test import Client
from django.urls import reverse

from backlog.authoring import save_hypothesis
from backlog.conflicts import EditConflict
from backlog.feedback.capture import FeedbackInput, update_feedback
from backlog.models import FeedbackItem, Hypothesis, Score, Status, Tag
from backlog.pipeline import move_hypothesis
from backlog.scoring.frameworks import Framework
from backlog.scoring.recording import score_hypothesis
from cromaturity.api_keys import create_api_key
from cromaturity.models import Role
from tests.access import member_client
from tests.backlog.factories import give_ice, make_feedback

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(name, args=["acme", *args])


def edit_form(client: Client, hypothesis) -> dict:
    """What the edit page sends back unchanged, as a browser would."""
    form = client.get(url("backlog:hypothesis-update", hypothesis.pk)).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        if name == "tags":
            data[name] = [str(v) for v in value]
        else:
            data[name] = field.widget.format_value(value) or ""
    return data


@pytest.fixture
def editors(org):
    return member_client(org, Role.EDITOR), member_client(org, Role.EDITOR)


def test_the_second_of_two_editors_gets_a_conflict_showing_both_versions(
    make_hypothesis, editors
):
    hypothesis = make_hypothesis("Show delivery dates", metric="Orders")
    ana, ben = editors
    ana_form, ben_form = edit_form(ana, hypothesis), edit_form(ben, hypothesis)
    ana_form["title"] = "Delivery dates above the fold"
    assert (
        ana.post(url("backlog:hypothesis-update", hypothesis.pk), ana_form)["Location"]
        == hypothesis.get_absolute_url()
    )

    ben_form["title"] = "Delivery dates in the basket"
    ben_form["metric"] = "Revenue per visitor"
    response = ben.post(url("backlog:hypothesis-update", hypothesis.pk), ben_form)

    assert response.status_code == 409
    text = response.text
    assert "This hypothesis was changed since you opened it" in text
    assert f"(by {ana.user.display_name}, " in text
    conflict = response.context["conflict"]
    assert [(d.label, d.theirs, d.yours) for d in conflict.differences] == [
        ("Title", "Delivery dates above the fold", "Delivery dates in the basket"),
        ("Measured by", "Orders", "Revenue per visitor"),
    ]
    hypothesis.refresh_from_db()
    assert (hypothesis.title, hypothesis.metric, hypothesis.version) == (
        "Delivery dates above the fold",
        "Orders",
        2,
    )
    # The form keeps Ben's values and carries the stored version: saving again
    # is a deliberate choice of his version.
    form = response.context["form"]
    assert form["title"].value() == "Delivery dates in the basket"
    assert form["version"].value() == "2"
    again = ben.post(
        url("backlog:hypothesis-update", hypothesis.pk), {**ben_form, "version": "2"}
    )
    assert again.status_code == 302
    hypothesis.refresh_from_db()
    assert (hypothesis.title, hypothesis.version) == ("Delivery dates in the basket", 3)


def test_a_double_submit_saves_once_and_is_no_conflict(make_hypothesis, editors):
    hypothesis = make_hypothesis()
    editor, _ = editors
    data = {**edit_form(editor, hypothesis), "title": "Dates on product pages"}
    for _ in range(2):
        response = editor.post(url("backlog:hypothesis-update", hypothesis.pk), data)
        assert response.status_code == 302
    hypothesis.refresh_from_db()
    assert (hypothesis.title, hypothesis.version) == ("Dates on product pages", 2)
    assert hypothesis.history.count() == 2  # created, then edited once


def test_a_form_without_its_version_cannot_overwrite(make_hypothesis, admin_client):
    hypothesis = make_hypothesis("Original")
    response = admin_client.post(
        url("backlog:hypothesis-update", hypothesis.pk),
        {"title": "Blind overwrite", "kind": "test", "metric": "Orders"},
    )
    assert response.status_code == 409
    hypothesis.refresh_from_db()
    assert hypothesis.title == "Original"


def test_a_move_on_the_board_since_opening_is_a_conflict(
    make_hypothesis, editors, admin_user
):
    hypothesis = make_hypothesis()
    editor, _ = editors
    data = {**edit_form(editor, hypothesis), "title": "Renamed"}
    move_hypothesis(hypothesis, Status.BACKLOG, by=admin_user)
    response = editor.post(url("backlog:hypothesis-update", hypothesis.pk), data)
    assert response.status_code == 409
    hypothesis.refresh_from_db()
    assert (hypothesis.title, hypothesis.status) == ("Show delivery dates", "backlog")


def test_scores_given_meanwhile_are_no_conflict_and_survive_the_edit(
    make_hypothesis, editors, admin_user
):
    hypothesis = make_hypothesis()
    editor, _ = editors
    data = {**edit_form(editor, hypothesis), "title": "Renamed"}
    give_ice(hypothesis, admin_user, 8)
    response = editor.post(url("backlog:hypothesis-update", hypothesis.pk), data)
    assert response.status_code == 302
    hypothesis.refresh_from_db()
    assert (hypothesis.title, hypothesis.ice_score, hypothesis.ice_count) == (
        "Renamed",
        8,
        1,
    )


def test_tags_changed_meanwhile_are_compared_and_no_tag_is_created_on_conflict(
    org, make_hypothesis, admin_user
):
    hypothesis = make_hypothesis(tags=["mobile"])
    stale = Hypothesis.objects.get(pk=hypothesis.pk)
    save_hypothesis(
        Hypothesis.objects.get(pk=hypothesis.pk),
        by=admin_user,
        new_tag_names=["trust"],
        expected_version=1,
    )
    stale.title = "Mine"
    with pytest.raises(EditConflict) as raised:
        save_hypothesis(
            stale, by=admin_user, new_tag_names=["mobile", "speed"], expected_version=1
        )
    rows = {d.label: (d.theirs, d.yours) for d in raised.value.differences}
    assert rows["Tags"] == ("trust", "mobile, speed")
    assert rows["Title"] == ("Show delivery dates", "Mine")
    assert not Tag.objects.filter(name="speed").exists()


@pytest.fixture
def item(org, admin_user):
    return make_feedback(
        org, "Delivery costs shown too late", by=admin_user, pseudonym_key=b"k"
    )


def feedback_form(client, item) -> dict:
    form = client.get(url("feedback:item-update", item.pk)).context["form"]
    return {
        name: field.widget.format_value(form[name].value()) or ""
        for name, field in form.fields.items()
        if form[name].value() is not None
    }


def test_feedback_edited_meanwhile_is_a_conflict_showing_both(item, editors):
    ana, ben = editors
    ana_form, ben_form = feedback_form(ana, item), feedback_form(ben, item)
    ana_form.update(text="Delivery costs appear only at the last step")
    assert ana.post(url("feedback:item-update", item.pk), ana_form).status_code == 302
    ben_form.update(text="Shipping costs surprise people", sentiment="negative")
    response = ben.post(url("feedback:item-update", item.pk), ben_form)
    assert response.status_code == 409
    assert "This feedback was changed since you opened it" in response.text
    differences = {
        d.label: (d.theirs, d.yours) for d in response.context["conflict"].differences
    }
    assert differences == {
        "Text": (
            "Delivery costs appear only at the last step",
            "Shipping costs surprise people",
        ),
        "Sentiment": ("Not known", "Negative"),
    }
    item.refresh_from_db()
    assert (item.text, item.version) == (
        "Delivery costs appear only at the last step",
        2,
    )
    assert response.context["form"]["version"].value() == "2"


def test_feedback_double_submit_saves_once(item, admin_client):
    data = {**feedback_form(admin_client, item), "text": "Costs too late"}
    for _ in range(2):
        assert (
            admin_client.post(url("feedback:item-update", item.pk), data).status_code
            == 302
        )
    item.refresh_from_db()
    assert (item.text, item.version) == ("Costs too late", 2)


def test_an_item_updated_by_the_api_since_opening_is_a_conflict(
    org, admin_user, admin_client
):
    _, key = create_api_key(org, name="desk", by=admin_user)

    def push(text):
        response = Client().post(
            "/api/v1/feedback/batch",
            {
                "source_system": "zendesk",
                "items": [
                    {
                        "external_id": "T-1",
                        "text": text,
                        "received_at": "2026-08-01T10:00:00Z",
                    }
                ],
            },
            content_type="application/json",
            headers={"X-API-Key": key},
        )
        assert response.status_code == 200, response.text

    push("Where is my parcel?")
    item = FeedbackItem.objects.get(external_id="T-1")
    assert item.version == 1
    data = {**feedback_form(admin_client, item), "text": "Parcel late"}
    push("Where is my parcel? It is a week late.")
    push("Where is my parcel? It is a week late.")  # unchanged: same version
    item.refresh_from_db()
    assert item.version == 2
    response = admin_client.post(url("feedback:item-update", item.pk), data)
    assert response.status_code == 409
    item.refresh_from_db()
    assert item.text == "Where is my parcel? It is a week late."


def test_update_feedback_refuses_an_old_version(item):
    update_feedback(
        FeedbackItem.objects.get(pk=item.pk),
        FeedbackInput(text="First", source="chat"),
        mask_contacts=False,
        pseudonym_key=b"k",
        expected_version=1,
    )
    with pytest.raises(EditConflict):
        update_feedback(
            item,
            FeedbackInput(text="Second", source="chat"),
            mask_contacts=False,
            pseudonym_key=b"k",
            expected_version=1,
        )
    item.refresh_from_db()
    assert (item.text, item.version) == ("First", 2)


def ice(prefix, impact, confidence, ease, version, **extra):
    return {
        "framework": "ice",
        f"{prefix}-impact": impact,
        f"{prefix}-confidence": confidence,
        f"{prefix}-ease": ease,
        f"{prefix}-version": version,
        **extra,
    }


def test_a_score_changed_in_another_window_is_a_conflict_on_the_page(
    make_hypothesis, admin_client, admin_user
):
    hypothesis = make_hypothesis()
    target = url("backlog:hypothesis-score", hypothesis.pk)
    assert admin_client.post(target, ice("ice", 5, 5, 5, 0)).status_code == 302
    # Another window, opened before that save, still shows no score (version 0).
    response = admin_client.post(target, ice("ice", 9, 5, 2, 0))
    assert response.status_code == 409
    text = response.text
    assert "You changed your ICE score in another window" in text
    assert '<th scope="row">Impact</th><td>5</td><td>9</td>' in text
    assert '<th scope="row">Ease</th><td>5</td><td>2</td>' in text
    score = Score.objects.get()
    assert (score.impact, score.ease, score.version) == (5, 5, 1)
    assert 'name="ice-version" value="1"' in text
    assert admin_client.post(target, ice("ice", 9, 5, 2, 1)).status_code == 302
    score.refresh_from_db()
    assert (score.impact, score.ease, score.version) == (9, 2, 2)
    hypothesis.refresh_from_db()
    assert hypothesis.ice_score == pytest.approx(16 / 3)


def test_a_score_conflict_in_the_list_row_opens_the_row_with_both(
    make_hypothesis, admin_client, admin_user
):
    hypothesis = make_hypothesis()
    give_ice(hypothesis, admin_user, 4)
    prefix = f"h{hypothesis.pk}-ice"
    response = admin_client.post(
        url("backlog:hypothesis-score", hypothesis.pk),
        ice(prefix, 8, 8, 8, 0, **{"in": "row"}),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    text = response.text
    assert '<details class="inline-score" open>' in text
    assert '<th scope="row">Confidence</th><td>4</td><td>8</td>' in text
    assert f'name="{prefix}-version" value="1"' in text
    assert Score.objects.get().impact == 4


def test_a_score_conflict_in_the_list_without_javascript_says_what_differs(
    make_hypothesis, admin_client, admin_user
):
    hypothesis = make_hypothesis()
    give_ice(hypothesis, admin_user, 4)
    prefix = f"h{hypothesis.pk}-ice"
    response = admin_client.post(
        url("backlog:hypothesis-score", hypothesis.pk),
        ice(prefix, 8, 4, 4, 0, **{"in": "row"}),
        follow=True,
    )
    assert (
        "was not saved: you changed it in another window since (Impact: saved 4, "
        "yours 8)"
    ) in response.text
    assert Score.objects.get().impact == 4


def test_the_same_score_sent_twice_is_saved_once(make_hypothesis, admin_client):
    hypothesis = make_hypothesis()
    target = url("backlog:hypothesis-score", hypothesis.pk)
    for _ in range(2):
        assert admin_client.post(target, ice("ice", 7, 6, 5, 0)).status_code == 302
    score = Score.objects.get()
    assert (score.impact, score.version) == (7, 1)
    assert score.history.count() == 1


def test_score_hypothesis_refuses_an_old_version(make_hypothesis, admin_user):
    hypothesis = make_hypothesis()
    values = {"impact": 3, "confidence": 3, "ease": 3}
    score_hypothesis(
        hypothesis,
        scorer=admin_user,
        framework=Framework.ICE,
        values=values,
        expected_version=0,
    )
    with pytest.raises(EditConflict) as raised:
        score_hypothesis(
            hypothesis,
            scorer=admin_user,
            framework=Framework.ICE,
            values={**values, "ease": 9},
            expected_version=0,
        )
    assert [(d.label, d.theirs, d.yours) for d in raised.value.differences] == [
        ("Ease", "3", "9")
    ]
    assert Score.objects.get().ease == 3
