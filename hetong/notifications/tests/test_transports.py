"""Transports against local stand-ins of WeCom, DingTalk, Feishu, a webhook consumer and an SMTP server."""

import datetime as dt
import json
from types import SimpleNamespace

import pytest

from hetong.notifications.receivers import SmtpSink
from hetong.notifications.transports import (
    DeliveryFailed,
    Message,
    MessageLine,
    check_target,
    send_email,
    send_robot,
    send_test,
    send_webhook,
    validate_channel,
)

DINGTALK_SECRET = "SEC" + "ab12" * 16
FEISHU_SECRET = "qNTEXAMPLEk3Jd8sXz9aBc"
WEBHOOK_SECRET = "whsec-0123456789abcdef"
SECRETS = {"wecom": "", "dingtalk": DINGTALK_SECRET, "feishu": FEISHU_SECRET, "webhook": WEBHOOK_SECRET}

pytestmark = pytest.mark.usefixtures("allow_local_channels")


def channel(receiver, *, secret=None, keyword="", url=None):
    return SimpleNamespace(
        kind=receiver.kind,
        url=url or receiver.url,
        secret=SECRETS[receiver.kind] if secret is None else secret,
        keyword=keyword,
    )


def reminder(lines: int = 2, text: str = "HT-SALES-2026-{:05d} 华东电力 供货合同 通知期截止") -> Message:
    return Message(
        title="合同提醒：3 份合同即将到期",
        lines=[
            MessageLine(text.format(n), f"https://hetong.example.com/contracts/{n}/") for n in range(lines)
        ],
        footer="Hetong",
    )


# --- Every vendor takes its own format ------------------------------------------------------------------


def test_wecom_robot_takes_a_markdown_message(robot):
    wecom = robot("wecom")
    send_robot(channel(wecom), reminder())
    [body] = wecom.accepted
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert content.startswith("**合同提醒：3 份合同即将到期**")
    assert (
        "[HT-SALES-2026-00001 华东电力 供货合同 通知期截止](https://hetong.example.com/contracts/1/)"
        in content
    )


def test_dingtalk_robot_takes_a_signed_markdown_message_with_its_keyword(robot):
    dingtalk = robot("dingtalk", secret=DINGTALK_SECRET, keyword="提醒")
    send_robot(channel(dingtalk, keyword="提醒"), reminder())
    [body] = dingtalk.accepted
    assert body["markdown"]["title"] == "合同提醒：3 份合同即将到期"
    assert "- [HT-SALES-2026-00000" in body["markdown"]["text"]


def test_dingtalk_keyword_missing_from_the_message_is_added(robot):
    dingtalk = robot("dingtalk", keyword="Hetong告警")
    send_robot(channel(dingtalk, secret="", keyword="Hetong告警"), reminder())
    assert "Hetong告警" in dingtalk.accepted[0]["markdown"]["text"]


def test_feishu_robot_takes_a_signed_rich_text_post(robot):
    feishu = robot("feishu", secret=FEISHU_SECRET, keyword="合同")
    send_robot(channel(feishu, keyword="合同"), reminder())
    [body] = feishu.accepted
    assert body["msg_type"] == "post"
    post = body["content"]["post"]["zh_cn"]
    assert post["title"] == "合同提醒：3 份合同即将到期"
    assert post["content"][0] == [
        {
            "tag": "a",
            "text": "HT-SALES-2026-00000 华东电力 供货合同 通知期截止",
            "href": "https://hetong.example.com/contracts/0/",
        }
    ]
    assert post["content"][-1] == [{"tag": "text", "text": "Hetong"}]


def test_unsigned_feishu_robot_takes_a_post_without_signature_fields(robot):
    feishu = robot("feishu")
    send_robot(channel(feishu, secret=""), Message(title="t", lines=[MessageLine("plain")]))
    assert "sign" not in feishu.accepted[0]
    assert feishu.accepted[0]["content"]["post"]["zh_cn"]["content"] == [[{"tag": "text", "text": "plain"}]]


def test_webhook_receives_the_event_signed(robot):
    hook = robot("webhook", secret=WEBHOOK_SECRET)
    event = {"type": "reminder.due", "contract": "HT-SALES-2026-00001", "date": dt.date(2026, 3, 31)}
    send_webhook(channel(hook), event)
    assert hook.accepted == [
        {"type": "reminder.due", "contract": "HT-SALES-2026-00001", "date": "2026-03-31"}
    ]
    assert hook.headers[0]["x-hetong-event"] == "reminder.due"
    assert hook.headers[0]["x-hetong-signature"].startswith("sha256=")


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu", "webhook"])
def test_test_message_reaches_every_kind_of_channel(robot, kind):
    receiver = robot(kind, secret=SECRETS[kind] or None)
    send_test(channel(receiver))
    assert "Hetong test message" in json.dumps(receiver.accepted, ensure_ascii=False)


# --- Refusals -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "wrong_secret", "code"),
    [("dingtalk", "SEC" + "cd34" * 16, 310000), ("feishu", "someoneElsesSecret1", 19021)],
)
def test_wrong_signing_secret_is_refused_for_good_with_the_vendor_code(robot, kind, wrong_secret, code):
    receiver = robot(kind, secret=SECRETS[kind])
    with pytest.raises(DeliveryFailed) as refused:
        send_robot(channel(receiver, secret=wrong_secret), reminder())
    assert not refused.value.retryable
    assert refused.value.code == code
    assert str(code) in refused.value.message
    assert receiver.accepted == []


def test_signature_older_than_an_hour_is_refused(robot):
    dingtalk = robot("dingtalk", secret=DINGTALK_SECRET)
    two_hours_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    with pytest.raises(DeliveryFailed) as refused:
        send_robot(channel(dingtalk), reminder(), now=two_hours_ago)
    assert (refused.value.code, refused.value.retryable) == (310000, False)


def test_wecom_key_of_another_robot_is_refused(robot):
    wecom = robot("wecom")
    other = wecom.url.replace(wecom.token, "00000000-0000-4000-8000-000000000000")
    with pytest.raises(DeliveryFailed) as refused:
        send_robot(channel(wecom, url=other), reminder())
    assert (refused.value.code, refused.value.retryable) == (93000, False)


def test_webhook_with_the_wrong_secret_is_refused_for_good(robot):
    hook = robot("webhook", secret=WEBHOOK_SECRET)
    with pytest.raises(DeliveryFailed) as refused:
        send_webhook(channel(hook, secret="another-secret-0123456789"), {"type": "test"})
    assert (refused.value.code, refused.value.retryable) == (401, False)


@pytest.mark.parametrize(("kind", "code"), [("wecom", 45009), ("dingtalk", 130101), ("feishu", 11232)])
def test_over_the_rate_limit_is_worth_a_retry(robot, kind, code):
    receiver = robot(kind)
    for _ in range(20):
        send_robot(channel(receiver, secret=""), reminder())
    with pytest.raises(DeliveryFailed) as refused:
        send_robot(channel(receiver, secret=""), reminder())
    assert (refused.value.code, refused.value.retryable) == (code, True)
    assert str(code) in refused.value.message
    assert len(receiver.accepted) == 20


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu", "webhook"])
def test_server_error_is_worth_a_retry_and_the_retry_gets_through(robot, kind):
    receiver = robot(kind, secret=SECRETS[kind] or None)
    receiver.fail_next(1, status=503)
    with pytest.raises(DeliveryFailed) as refused:
        send_test(channel(receiver))
    assert (refused.value.code, refused.value.retryable) == (503, True)
    send_test(channel(receiver))
    assert len(receiver.accepted) == 1


def test_redirects_are_not_followed(robot):
    hook = robot("webhook", secret=WEBHOOK_SECRET)
    hook.fail_next(1, status=302)
    with pytest.raises(DeliveryFailed) as refused:
        send_webhook(channel(hook), {"type": "test"})
    assert (refused.value.code, refused.value.retryable) == (302, False)
    assert len(hook.rejected) == 1 and hook.accepted == []


def test_unreachable_robot_is_worth_a_retry(robot):
    hook = robot("webhook", secret=WEBHOOK_SECRET)
    hook.stop()
    with pytest.raises(DeliveryFailed) as refused:
        send_webhook(channel(hook), {"type": "test"})
    assert refused.value.retryable


# --- The SSRF guard -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.20.30.40/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://localhost/hook",
        "https://0.0.0.0/hook",
        "https://[fe80::1]/hook",
    ],
)
def test_guard_refuses_addresses_inside_our_network(settings, url):
    settings.HETONG_CHANNEL_ALLOWED_HOSTS = []
    with pytest.raises(DeliveryFailed) as refused:
        check_target(url)
    assert not refused.value.retryable
    assert "private or local network" in refused.value.message


def test_guard_lets_public_addresses_through_and_pins_the_vetted_address(settings):
    settings.HETONG_CHANNEL_ALLOWED_HOSTS = []
    target = check_target("https://8.8.8.8/robot/send?access_token=x")
    assert (target.ip, target.port, target.path) == ("8.8.8.8", 443, "/robot/send?access_token=x")


def test_nothing_is_sent_to_a_local_robot_unless_its_host_is_allowed(robot, settings):
    hook = robot("webhook", secret=WEBHOOK_SECRET)
    settings.HETONG_CHANNEL_ALLOWED_HOSTS = []
    with pytest.raises(DeliveryFailed) as refused:
        send_webhook(channel(hook), {"type": "test"})
    assert not refused.value.retryable
    assert hook.accepted == hook.rejected == []

    settings.HETONG_CHANNEL_ALLOWED_HOSTS = [hook.host]  # host:port allows exactly that port
    send_webhook(channel(hook), {"type": "test"})
    assert len(hook.accepted) == 1

    other_port = robot("webhook", secret=WEBHOOK_SECRET)
    with pytest.raises(DeliveryFailed):
        send_webhook(channel(other_port), {"type": "test"})


# --- Validation -----------------------------------------------------------------------------------------

WECOM_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7a3c-4bc4-97a0-0ec2a1fa5aaa"
DINGTALK_URL = "https://oapi.dingtalk.com/robot/send?access_token=" + "0f" * 32
FEISHU_URL = "https://open.feishu.cn/open-apis/bot/v2/hook/8d7b4f1c-2a3e-4b5c-9d6e-7f8a9b0c1d2e"


@pytest.mark.parametrize(
    ("kind", "url", "secret", "keyword"),
    [
        ("wecom", WECOM_URL, "", ""),
        ("dingtalk", DINGTALK_URL, DINGTALK_SECRET, "合同"),
        ("dingtalk", DINGTALK_URL, "", "合同"),
        ("feishu", FEISHU_URL, FEISHU_SECRET, ""),
        ("feishu", FEISHU_URL.replace("open.feishu.cn", "open.larksuite.com"), "", "合同"),
        ("webhook", "https://erp.example.com/hooks/hetong", WEBHOOK_SECRET, ""),
    ],
)
def test_vendor_addresses_and_secrets_are_valid(settings, kind, url, secret, keyword):
    settings.HETONG_CHANNEL_ALLOWED_HOSTS = []
    assert validate_channel(kind, url, secret, keyword) == {}


@pytest.mark.parametrize(
    ("kind", "url", "secret", "keyword", "field"),
    [
        ("sms", WECOM_URL, "", "", "kind"),
        ("wecom", WECOM_URL.replace("qyapi.weixin.qq.com", "qyapi.example.com"), "", "", "url"),
        ("wecom", WECOM_URL.split("?")[0], "", "", "url"),
        ("wecom", WECOM_URL.replace("https://", "http://"), "", "", "url"),
        ("wecom", WECOM_URL, "a-secret", "", "secret"),
        ("wecom", WECOM_URL, "", "合同", "keyword"),
        ("dingtalk", DINGTALK_URL[:-2], "", "", "url"),
        ("dingtalk", DINGTALK_URL.replace("/robot/send", "/robot/sendx"), "", "", "url"),
        ("dingtalk", DINGTALK_URL, "ab12" * 16, "", "secret"),
        ("dingtalk", DINGTALK_URL, "SEC123", "", "secret"),
        ("dingtalk", DINGTALK_URL, "", " 合同", "keyword"),
        ("feishu", FEISHU_URL[:-4], "", "", "url"),
        ("feishu", FEISHU_URL.replace("open.feishu.cn", "open.feishu.cn.evil.com"), "", "", "url"),
        ("feishu", FEISHU_URL, "has spaces in it", "", "secret"),
        ("webhook", "https://erp.example.com/hook", "short", "", "secret"),
        ("webhook", "ftp://erp.example.com/hook", WEBHOOK_SECRET, "", "url"),
        ("webhook", "http://erp.example.com/hook", WEBHOOK_SECRET, "", "url"),
        ("webhook", "https://user:pw@erp.example.com/hook", WEBHOOK_SECRET, "", "url"),
        ("webhook", "https://192.168.1.10/hook", WEBHOOK_SECRET, "", "url"),
        ("webhook", "https://erp.example.com:99999/hook", WEBHOOK_SECRET, "", "url"),
    ],
)
def test_invalid_channel_settings_are_reported_on_their_field(settings, kind, url, secret, keyword, field):
    settings.HETONG_CHANNEL_ALLOWED_HOSTS = []
    errors = validate_channel(kind, url, secret, keyword)
    assert list(errors) == [field]
    assert all(isinstance(message, str) and message for message in errors[field])


def test_allowed_host_may_use_http_but_keeps_the_vendor_path_shape(settings):
    settings.HETONG_CHANNEL_ALLOWED_HOSTS = ["robots.intranet:8080"]
    proxied = DINGTALK_URL.replace("https://oapi.dingtalk.com", "http://robots.intranet:8080")
    assert validate_channel("dingtalk", proxied, "", "") == {}
    assert list(validate_channel("dingtalk", proxied.replace("/robot/send", "/send"), "", "")) == ["url"]
    assert list(validate_channel("dingtalk", proxied.replace(":8080", ":8081"), "", "")) == ["url"]


# --- Long messages --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "limit"), [("wecom", 4096), ("dingtalk", 20_000), ("feishu", 20 * 1024)])
def test_long_messages_are_cut_at_whole_lines_within_the_vendor_limit_and_still_taken(robot, kind, limit):
    receiver = robot(kind, secret=SECRETS[kind] or None, keyword="合同" if kind != "wecom" else None)
    send_robot(channel(receiver, keyword="合同" if kind != "wecom" else ""), reminder(lines=400))
    [body] = receiver.accepted
    text = {
        "wecom": lambda: body["markdown"]["content"],
        "dingtalk": lambda: body["markdown"]["text"],
        "feishu": lambda: json.dumps(body, ensure_ascii=False),
    }[kind]()
    size = len(text.encode()) if kind != "feishu" else len(json.dumps(body, ensure_ascii=False).encode())
    assert size <= limit
    shown = text.count("https://hetong.example.com/contracts/")
    assert 0 < shown < 400
    assert f"…and {400 - shown} more" in text


def test_one_overlong_line_is_clipped_at_a_character(robot):
    wecom = robot("wecom")
    send_robot(channel(wecom), Message(title="长" * 5000, lines=[MessageLine("行" * 5000)]))
    content = wecom.accepted[0]["markdown"]["content"]
    assert len(content.encode()) <= 4096
    assert "长…**" in content and "行…" in content


# --- Email ----------------------------------------------------------------------------------------------


def test_email_goes_out_with_a_chinese_subject_and_text_and_html_parts(smtp_sink):
    send_email(
        to="zhang.san@example.com",
        subject="合同到期提醒：华东电力供货合同",
        text="您好，合同将于 2026年3月31日 到期。",
        html="<p>您好，合同将于 <b>2026年3月31日</b> 到期。</p>",
    )
    [mail] = smtp_sink.messages
    # Django folds an encoded subject onto a continuation line; mail clients drop the leading fold space.
    assert mail["Subject"].strip() == "合同到期提醒：华东电力供货合同"
    assert mail["To"] == "zhang.san@example.com"
    assert mail["From"].addresses[0].display_name == "合同提醒"
    assert mail.get_content_type() == "multipart/alternative"
    plain, html = mail.iter_parts()
    assert plain.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert plain.get_content().strip() == "您好，合同将于 2026年3月31日 到期。"
    assert "<b>2026年3月31日</b>" in html.get_content()


def test_recipient_refused_for_good_is_not_retried(smtp_factory):
    smtp_factory(refuse_rcpt="550 5.1.1 No such user here")
    with pytest.raises(DeliveryFailed) as refused:
        send_email(to="nobody@example.com", subject="提醒", text="t", html="<p>t</p>")
    assert (refused.value.code, refused.value.retryable) == (550, False)
    assert "550" in refused.value.message


def test_temporary_refusal_is_worth_a_retry(smtp_factory):
    smtp_factory(refuse_rcpt="451 4.3.0 Try again later")
    with pytest.raises(DeliveryFailed) as refused:
        send_email(to="zhang.san@example.com", subject="提醒", text="t", html="<p>t</p>")
    assert (refused.value.code, refused.value.retryable) == (451, True)


def test_mail_server_down_is_worth_a_retry(settings):
    with SmtpSink() as sink:
        port = sink.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    with pytest.raises(DeliveryFailed) as refused:
        send_email(to="zhang.san@example.com", subject="提醒", text="t", html="<p>t</p>")
    assert refused.value.retryable
