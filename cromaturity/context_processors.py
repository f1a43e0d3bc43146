from cromaturity.models import Membership


def workspace(request):
    """The current organisation and the user's organisations for the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "organisation": getattr(request, "organisation", None),
        "membership": getattr(request, "membership", None),
        "my_memberships": Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name"),
    }
