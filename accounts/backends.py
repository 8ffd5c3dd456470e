"""Permissions by role: operators may do everything in the office's apps."""

from django.contrib.auth.backends import ModelBackend


class RoleBackend(ModelBackend):
    def has_perm(self, user_obj, perm, obj=None):
        if getattr(user_obj, "is_operator", False):
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        if getattr(user_obj, "is_operator", False):
            return True
        return super().has_module_perms(user_obj, app_label)
