"""Who may use which part of the API: each part is for one role.

Another role's part answers 404, like a foreign object (and like the pages,
accounts/access.py): for them it doesn't exist. Anonymous requests get 401.
"""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from accounts.models import Role


class HasRole(BasePermission):
    roles: tuple[str, ...] = ()

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False  # DRF answers 401
        if user.role not in self.roles:
            raise exceptions.NotFound(_("Not found."))
        return True


class IsClient(HasRole):
    roles = (Role.CLIENT,)


class IsAgent(HasRole):
    roles = (Role.AGENT,)


class IsInterpreter(HasRole):
    roles = (Role.INTERPRETER,)


class IsOperator(HasRole):
    roles = (Role.OPERATOR,)
