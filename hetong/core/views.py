from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static

from .selectors import home_summary, unknown_holiday_years


@login_required
def home(request):
    return render(request, "core/home.html", {
        "cards": home_summary(request.user),
        "unknown_holiday_years": unknown_holiday_years() if request.user.is_admin else [],
    })


def favicon(request):
    # Browsers ask for /favicon.ico on pages that name no icon (the API docs, say). Resolved per request:
    # the hashed static name exists only after collectstatic.
    return redirect(static("hetong/favicon.svg"))
