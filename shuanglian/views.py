from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send coordinators to admin and cadres to their own pages."""
    if request.user.is_staff:
        return redirect("admin:index")
    if hasattr(request.user, "cadre"):
        return redirect("visits:my_households")
    return render(request, "shuanglian/no_role.html", status=403)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on their own, and for pages without an icon link (the
    printables); the icon itself is a static file."""
    return redirect(static("img/favicon.ico"))
