import pytest

from cromaturity.models import DEFAULT_TEAMS, Membership, Role, Team
from cromaturity.workspaces import (
    WorkspaceError,
    add_team,
    change_membership,
    create_organisation,
    delete_team,
    remove_member,
    rename_team,
    suggest_slug,
)

pytestmark = pytest.mark.django_db


def test_creator_becomes_admin_with_default_teams(make_user):
    user = make_user()
    organisation = create_organisation(name="Shop", slug="shop", creator=user)
    membership = Membership.objects.get(user=user, organisation=organisation)
    assert membership.role == Role.ADMIN
    assert membership.team.name == "CRO"
    assert list(organisation.teams.values_list("name", flat=True)) == DEFAULT_TEAMS


def test_taken_address_is_refused_and_nothing_is_created(make_user, org):
    user = make_user()
    with pytest.raises(WorkspaceError, match="already taken"):
        create_organisation(name="Other", slug="acme", creator=user)
    assert not Membership.objects.filter(user=user).exists()


def test_reserved_address_is_refused(make_user):
    with pytest.raises(WorkspaceError, match="reserved"):
        create_organisation(name="New", slug="new", creator=make_user())


def test_suggested_slug_avoids_taken_and_reserved(org):
    assert suggest_slug("Acme") == "acme-2"
    assert suggest_slug("New") == "new-2"
    assert suggest_slug("Überraschung GmbH") == "uberraschung-gmbh"
    assert suggest_slug("!!!") == "organisation"


def test_the_only_admin_cannot_be_demoted_or_removed(org, admin_user):
    membership = Membership.objects.get(user=admin_user, organisation=org)
    with pytest.raises(WorkspaceError, match="only admin"):
        change_membership(membership, role=Role.EDITOR, team=None)
    with pytest.raises(WorkspaceError, match="only admin"):
        remove_member(membership)
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_an_admin_can_step_down_when_another_admin_exists(org, admin_user, make_member):
    make_member(org, role=Role.ADMIN)
    membership = Membership.objects.get(user=admin_user, organisation=org)
    change_membership(membership, role=Role.VIEWER, team=None)
    membership.refresh_from_db()
    assert (membership.role, membership.team) == (Role.VIEWER, None)


def test_a_team_of_another_organisation_is_refused(org, other_org, make_member):
    user = make_member(org)
    membership = Membership.objects.get(user=user, organisation=org)
    foreign_team = Team.objects.for_org(other_org).first()
    with pytest.raises(WorkspaceError, match="another organisation"):
        change_membership(membership, role=Role.EDITOR, team=foreign_team)


def test_team_names_are_unique_per_organisation_ignoring_case(org, other_org):
    with pytest.raises(WorkspaceError, match="already a team"):
        add_team(org, name="marketing")
    team = add_team(org, name="Data")
    assert team.position == len(DEFAULT_TEAMS)
    assert add_team(other_org, name="Data").organisation == other_org
    with pytest.raises(WorkspaceError, match="already a team"):
        rename_team(team, name="CRO")


def test_deleting_a_team_keeps_its_members_without_team(org, make_member):
    user = make_member(org, team="Marketing")
    delete_team(Team.objects.get(organisation=org, name="Marketing"))
    membership = Membership.objects.get(user=user, organisation=org)
    assert membership.team is None
