"""Files attached to an outgoing email: stored with the delivery, sent with it over SMTP, and again on a retry."""

from django.core import mail

from hetong.notifications.models import Delivery, DeliveryAttachment
from hetong.notifications.services import queue_email, send_delivery

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT = b"PK\x03\x04 not really a workbook \x00\xff"


def test_an_attachment_reaches_the_mail_server_with_the_message(smtp_sink, sales_owner,
                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        delivery = queue_email(sales_owner, subject="合同台账", text="见附件。", html="<p>见附件。</p>",
                               attachments=[("合同台账-2026-06-15.xlsx", CONTENT, XLSX)])
    assert Delivery.objects.get(pk=delivery.pk).state == Delivery.State.SENT
    [message] = smtp_sink.messages
    assert message.get_content_type() == "multipart/mixed"
    [attached] = list(message.iter_attachments())
    assert attached.get_filename() == "合同台账-2026-06-15.xlsx"
    assert attached.get_content_type() == XLSX and attached.get_content() == CONTENT
    body = message.get_body(preferencelist=("plain",))
    assert body.get_content().strip() == "见附件。"


def test_a_retry_sends_the_attachment_again(settings, sales_owner):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    delivery = queue_email(sales_owner, subject="s", text="t", html="<p>t</p>",
                           attachments=[("a.pdf", b"%PDF-1.4", "application/pdf"), ("b.csv", "名称\n".encode(), "text/csv")])
    assert DeliveryAttachment.objects.filter(delivery=delivery).count() == 2
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.PENDING)  # as a retry finds it
    assert send_delivery(delivery.pk) == Delivery.State.SENT
    [message] = mail.outbox
    assert [(name, mimetype) for name, _content, mimetype in message.attachments] == [
        ("a.pdf", "application/pdf"), ("b.csv", "text/csv")]
    assert message.attachments[0][1] == b"%PDF-1.4"


def test_an_email_without_attachments_is_unchanged(settings, sales_owner):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    delivery = queue_email(sales_owner, subject="s", text="t", html="<p>t</p>")
    assert send_delivery(delivery.pk) == Delivery.State.SENT
    assert mail.outbox[0].attachments == [] and not DeliveryAttachment.objects.exists()
