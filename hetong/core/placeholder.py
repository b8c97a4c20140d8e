# Temporary: lets base.html resolve every menu link while the pages are being built. Delete when unused.
from django.http import HttpResponse


def placeholder(request, *args, **kwargs):
    return HttpResponse("coming soon")
