"""Changing the password, which a one-time password requires before anything else."""

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy

from shuanglian.access.middleware import must_change_password, password_expired_for, remember
from units.accounts import password_changed


class PasswordChangeView(auth_views.PasswordChangeView):
    # Its own template: the admin keeps registration/password_change_form.html for itself.
    template_name = "registration/own_password_change_form.html"
    success_url = reverse_lazy("password_change_done")

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        context["required"] = must_change_password(self.request)
        context["expired"] = password_expired_for(self.request)
        return context

    def form_valid(self, form: auth_views.PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        password_changed(user=form.user)
        remember(self.request, must_change=False)
        return response


class SignOutView(auth_views.LogoutView):
    """Signing out also empties the phone: the pages and records kept for working offline
    belong to the account that signs out."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
