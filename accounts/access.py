"""Who may open a page: each person's pages are for their role only.

Another role's page answers 404, like another person's object: a page that
isn't yours doesn't exist for you.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404


def role_required(*roles):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.role not in roles:
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
