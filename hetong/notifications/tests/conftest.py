"""Fixtures for the world outside: an SMTP sink and fake group robots on 127.0.0.1."""

import pytest

from hetong.notifications.receivers import RobotReceiver, SmtpSink


@pytest.fixture
def smtp_sink(settings):
    """A running SMTP sink, with Django's mail pointed at it (pytest-django switches mail to locmem otherwise)."""
    with SmtpSink() as sink:
        _use_smtp(settings, sink)
        yield sink


@pytest.fixture
def smtp_factory(settings):
    """Start a sink with options, e.g. `smtp_factory(refuse_rcpt="550 5.1.1 No such user")`."""
    sinks: list[SmtpSink] = []

    def make(**options) -> SmtpSink:
        sink = SmtpSink(**options).start()
        sinks.append(sink)
        _use_smtp(settings, sink)
        return sink

    yield make
    for sink in sinks:
        sink.stop()


def _use_smtp(settings, sink: SmtpSink) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "合同提醒 <hetong@example.com>"


@pytest.fixture
def robot():
    """A factory of running fake robots: `robot("dingtalk", secret="SEC…", keyword="合同")`."""
    receivers: list[RobotReceiver] = []

    def make(kind: str, secret: str | None = None, keyword: str | None = None, **options) -> RobotReceiver:
        receiver = RobotReceiver(kind, secret, keyword, **options).start()
        receivers.append(receiver)
        return receiver

    yield make
    for receiver in receivers:
        receiver.stop()


@pytest.fixture
def allow_local_channels(settings):
    """Let channels point at the receivers. Their ports are picked by the system, so allow the host on any port."""
    settings.HETONG_CHANNEL_ALLOWED_HOSTS = ["127.0.0.1"]
