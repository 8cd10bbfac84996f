"""Whether a page shows resident IDs and phone numbers in full: one question, one answer.

Every admin page asks ``self.has_full_personal_data(request)``. Here the answer is no, so a
page shows them masked unless told otherwise; the access rules, applied to every registered
admin page and inline, answer it from the acting user's role and scope.
"""

from django.http import HttpRequest


class PersonalDataAdminMixin:
    def has_full_personal_data(self, request: HttpRequest) -> bool:
        return False
