"""Helpers shared by the API tests."""

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="signed.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def row(model, pk) -> dict:
    """Every stored column of one row, to show that a refused request changed nothing."""
    obj = model.objects.get(pk=pk)
    data = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
    if hasattr(obj, "tags"):
        data["tags"] = sorted(obj.tags.values_list("name", flat=True))
    return data


def send(client, method: str, path: str, data=None):
    """A JSON request; `data` None sends an empty object."""
    return getattr(client, method)(path, data if data is not None else {}, content_type="application/json")
