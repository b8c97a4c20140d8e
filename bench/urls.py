"""The app's URLs plus the framework floor, used only by the benchmark (ROOT_URLCONF is switched to this
module inside bench.run, never in the product).

The floor view is the least a Django page can do: resolve the URL, run the middleware, look up the signed-in
user, run bare SQL statements registered by the bench, and return their rows as JSON. A real page that costs
close to it spends its time where it must.
"""

from django.db import connection
from django.http import HttpResponseForbidden, JsonResponse
from django.urls import path

from hetong.urls import urlpatterns as app_urlpatterns

QUERIES: dict[str, list[str]] = {}  # name -> bare SQL statements (parameters inlined), set by bench.run


def floor(request, name):
    if not request.user.is_authenticated:  # the session and user lookups that every signed-in page pays
        return HttpResponseForbidden()
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    results = []
    try:
        for sql in QUERIES[name]:
            cursor.execute(sql)
            columns = [column[0] for column in cursor.description]
            results.append([dict(zip(columns, row, strict=True)) for row in cursor.fetchall()])
    finally:
        cursor.close()
    return JsonResponse({"results": results})


urlpatterns = [path("__bench__/floor/<str:name>/", floor), *app_urlpatterns]
