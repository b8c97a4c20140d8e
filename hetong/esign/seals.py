"""Company seals (公章) of our signing entities: uploaded by an administrator, stamped on our signatures.

A seal is an image anyone could copy from a paper contract; what protects it here is who may replace it (the
audit log says who did) and that only a clean PNG is kept: the upload is decoded and re-encoded, so metadata,
trailing data or anything smuggled in the original file is dropped.
"""

import hashlib
import io
import warnings

from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image

from hetong.audit import services as audit
from hetong.contracts.models import LegalEntity
from hetong.core.errors import InvalidInput, PermissionDenied

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_SEAL_BYTES = 2 * 1024 * 1024
MAX_SEAL_PIXELS = 4000 * 4000  # a small PNG can still claim a huge canvas (decompression bomb)
# Stored seals are scaled down to this: the seal rides along whenever an entity row is loaded in full, and a
# stamp 170 points wide needs no more.
MAX_SEAL_SIDE = 800


def may_manage_seals(user) -> bool:
    return bool(user.is_authenticated and user.is_admin)


def clean_seal_png(data: bytes) -> bytes:
    """The image re-encoded as a plain PNG; InvalidInput when it is not a readable PNG within the limits."""
    if len(data) > MAX_SEAL_BYTES:
        raise InvalidInput(_("The seal image is larger than 2 MB."), code="too_large")
    if not data.startswith(PNG_MAGIC):
        raise InvalidInput(_("The seal must be a PNG image."), code="not_png")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format != "PNG" or image.width * image.height > MAX_SEAL_PIXELS:
                raise ValueError("not a PNG of a sensible size")
            image.load()
    except Exception as exc:  # Pillow raises many kinds for a damaged or hostile file
        raise InvalidInput(_("The seal image could not be read. Upload a PNG image."), code="bad_image") from exc
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    image.thumbnail((MAX_SEAL_SIDE, MAX_SEAL_SIDE))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)  # only the pixels: no text chunks, no trailing bytes
    return out.getvalue()


def upload_seal(entity: LegalEntity, *, data: bytes, by) -> LegalEntity:
    """Replace the entity's company seal with the cleaned `data`; one audit event esign.seal_uploaded."""
    if not may_manage_seals(by):
        raise PermissionDenied()
    png = clean_seal_png(data)
    digest = hashlib.sha256(png).hexdigest()
    with transaction.atomic():
        locked = LegalEntity.objects.select_for_update().get(pk=entity.pk)
        previous = locked.seal_sha256
        locked.seal, locked.seal_sha256 = png, digest
        locked.save(update_fields=["seal", "seal_sha256"])
        audit.record(
            actor=by, verb="esign.seal_uploaded", target=locked,
            data={"sha256": digest, "previous_sha256": previous, "bytes": len(png)},
        )
    return locked
