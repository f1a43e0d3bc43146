from django.urls import path

from assessments.views import assessments, consensus, exports, questionnaire

app_name = "assessments"

urlpatterns = [
    path("", assessments.assessment_list, name="assessment-list"),
    path("new/", assessments.assessment_create, name="assessment-create"),
    path("targets/", consensus.target_list, name="target-list"),
    path(
        "<int:assessment_id>/", assessments.assessment_detail, name="assessment-detail"
    ),
    *[
        path(
            f"<int:assessment_id>/scorecard.{export_format}",
            exports.scorecard_export,
            {"export_format": export_format},
            name=f"scorecard-{export_format}",
        )
        for export_format in ("csv", "xlsx", "pdf")
    ],
    path(
        "<int:assessment_id>/share-links/",
        exports.share_link_create,
        name="share-link-create",
    ),
    path(
        "<int:assessment_id>/share-links/<int:share_link_id>/revoke/",
        exports.share_link_revoke,
        name="share-link-revoke",
    ),
    path(
        "<int:assessment_id>/advance/",
        assessments.assessment_advance,
        name="assessment-advance",
    ),
    path(
        "<int:assessment_id>/remind/",
        assessments.assessment_remind,
        name="assessment-remind",
    ),
    path(
        "<int:assessment_id>/invitations/",
        assessments.assessment_invite,
        name="assessment-invite",
    ),
    path(
        "<int:assessment_id>/invitations/<int:invitation_id>/revoke/",
        assessments.assessment_invitation_revoke,
        name="assessment-invitation-revoke",
    ),
    path(
        "<int:assessment_id>/respond/",
        questionnaire.response_start,
        name="response-start",
    ),
    path(
        "<int:assessment_id>/respond/submit/",
        questionnaire.response_submit,
        name="response-submit",
    ),
    path(
        "<int:assessment_id>/respond/<str:pillar_key>/",
        questionnaire.questionnaire_step,
        name="questionnaire-step",
    ),
    path(
        "<int:assessment_id>/answers/<str:point_key>/",
        questionnaire.answer_save,
        name="answer-save",
    ),
    path("<int:assessment_id>/consensus/", consensus.consensus, name="consensus"),
    path(
        "<int:assessment_id>/consensus/<str:point_key>/",
        consensus.agreed_level_save,
        name="agreed-level-save",
    ),
]
