"""Signature pages: verify any signed PDF (everyone signed in), download the CA certificate for a trust store, and
the company seals of our signing entities (administrators only)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hetong.contracts.models import LegalEntity
from hetong.core.errors import InvalidInput

from . import pki, seals, verification
from .forms import SealForm, VerifyForm


@login_required
def verify(request):
    report = None
    form = VerifyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = verification.verify(b"".join(form.cleaned_data["file"].chunks()))
        except InvalidInput as exc:
            form.add_error("file", exc.message)
    context = {"form": form, "report": report, "company_tz": settings.TIME_ZONE}
    if report is not None:
        context["verdict_level"], context["verdict"] = verification.verdict(report)
        for sig in report.signatures:
            sig.modification_label = verification.MODIFICATION_LABELS.get(sig.modification, sig.modification)
    return render(request, "esign/verify.html", context, status=400 if form.errors else 200)


@login_required
@require_safe
def ca_certificate(request):
    response = HttpResponse(pki.ca_certificate_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = content_disposition_header(True, "hetong-signing-ca.pem")
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- company seals ------------------------------------------------------------------------------------------------


def _require_seal_admin(request) -> None:
    if not seals.may_manage_seals(request.user):
        raise PermissionDenied


def _seal_page(request, *, failed: LegalEntity | None = None, failed_form: SealForm | None = None, status=200):
    entities = list(LegalEntity.objects.defer("seal").order_by("-is_active", "name", "pk"))
    for entity in entities:
        entity.form = failed_form if failed is not None and entity.pk == failed.pk else SealForm(
            auto_id=f"id_seal_{entity.pk}_%s"
        )
    return render(request, "esign/seals.html", {"entities": entities}, status=status)


@login_required
@require_safe
def seal_list(request):
    _require_seal_admin(request)
    return _seal_page(request)


@login_required
@require_POST
def seal_upload(request, pk: int):
    _require_seal_admin(request)
    entity = get_object_or_404(LegalEntity.objects.defer("seal"), pk=pk)
    form = SealForm(request.POST, request.FILES, auto_id=f"id_seal_{pk}_%s")
    if form.is_valid():
        try:
            seals.upload_seal(entity, data=b"".join(form.cleaned_data["seal"].chunks()), by=request.user)
        except InvalidInput as exc:
            form.add_error("seal", exc.message)
        else:
            messages.success(request, _("The company seal of %(entity)s was saved.") % {"entity": entity.name})
            return redirect("esign:seals")
    return _seal_page(request, failed=entity, failed_form=form, status=400)


@login_required
@require_safe
def seal_image(request, pk: int):
    _require_seal_admin(request)
    entity = get_object_or_404(LegalEntity.objects.only("pk", "seal"), pk=pk)
    if not entity.seal:
        raise Http404
    response = HttpResponse(bytes(entity.seal), content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
