from django.contrib.auth.backends import ModelBackend


class StaffBackend(ModelBackend):
    """Only active staff members log in: a login user without a staff record (or whose staff
    record was deactivated) is refused, so every session belongs to an org unit."""

    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        staff = getattr(user, "staff", None)
        return staff is not None and staff.active
