import pytest

from backlog.models import Hypothesis, Status
from backlog.scoring.frameworks import Framework
from tests.backlog.factories import give_ice

pytestmark = pytest.mark.django_db


def test_best_per_status_keeps_the_best_scored_of_each_status(
    make_hypothesis, admin_user
):
    unscored = make_hypothesis("Unscored idea")
    low = give_ice(make_hypothesis("Low idea"), admin_user, 2).hypothesis
    high = give_ice(make_hypothesis("High idea"), admin_user, 9).hypothesis
    ready = make_hypothesis("Ready one", status=Status.READY)

    best = Hypothesis.objects.best_per_status(2, Framework.ICE)

    assert list(best) == [high, low, ready]
    assert unscored not in best
    assert Hypothesis.objects.count_per_status() == {
        Status.IDEA: 3,
        Status.READY: 1,
    }
