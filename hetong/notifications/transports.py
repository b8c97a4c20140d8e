"""Outbound transports: group robots (WeCom, DingTalk, Feishu), signed webhooks and email.

Pure code, no database: a delivery job hands a channel's settings and a rendered message to one of these
functions and records what came back. Every failure is a `DeliveryFailed` saying whether a retry can help.

Robot and webhook URLs are typed in by admins, so every request goes through an SSRF guard: the host is
resolved once, every address it resolves to must be public (unless an admin allowed the host explicitly in
HETONG_CHANNEL_ALLOWED_HOSTS), and we connect to the vetted address itself so that a second DNS answer cannot
point us somewhere else. Vendor formats and signing schemes: shared/data/robot-webhook-formats.md.
"""

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import re
import smtplib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol
from urllib.parse import parse_qs, quote_plus, urlsplit

import urllib3
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 64 * 1024  # a robot answers with a few bytes of JSON; never buffer an endless body

WECOM_MAX_BYTES = 4096  # markdown.content, UTF-8
# markdown.text: DingTalk documents no limit for markdown; larger messages are refused in practice.
DINGTALK_MAX_BYTES = 20_000
FEISHU_MAX_BYTES = 20 * 1024  # the whole request body

# Single elements are clipped first so that the title, the footer and one "…and N more" line always fit.
TITLE_MAX_CHARS = 120
LINE_MAX_CHARS = 500
FOOTER_MAX_CHARS = 200

VENDOR_NAMES = {
    "wecom": gettext_lazy("WeCom"),
    "dingtalk": gettext_lazy("DingTalk"),
    "feishu": gettext_lazy("Feishu"),
    "webhook": gettext_lazy("Webhook"),
}
# Vendor codes that mean "later, not never": rate limits and the vendors' own "system busy".
RETRYABLE_CODES = {
    "wecom": {-1, 45009},
    "dingtalk": {-1, 130101, 410100},
    "feishu": {2200, 11232},
}


class DeliveryFailed(Exception):
    """A message did not reach its channel. `retryable` says whether sending it again later can help."""

    def __init__(self, message: str, *, retryable: bool, code: int | str | None = None):
        self.message = message
        self.retryable = retryable
        self.code = code  # the vendor's errcode or the HTTP/SMTP status, for the delivery log
        super().__init__(message)


@dataclass
class MessageLine:
    text: str
    url: str = ""


@dataclass
class Message:
    """What a reminder or notification becomes for a group robot."""

    title: str
    lines: list[MessageLine] = field(default_factory=list)
    footer: str = ""


class ChannelConfig(Protocol):
    kind: str
    url: str
    secret: str
    keyword: str


# --- Validation -----------------------------------------------------------------------------------------

UUID_RE = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
VENDOR_URLS = {  # kind -> (official hosts, path pattern, required query parameter and its pattern)
    "wecom": ({"qyapi.weixin.qq.com"}, r"/cgi-bin/webhook/send", ("key", UUID_RE)),
    "dingtalk": ({"oapi.dingtalk.com"}, r"/robot/send", ("access_token", r"[0-9a-fA-F]{64}")),
    "feishu": ({"open.feishu.cn", "open.larksuite.com"}, r"/open-apis/bot/v2/hook/" + UUID_RE, None),
}
DINGTALK_SECRET_RE = re.compile(r"SEC[0-9a-fA-F]{64}")
FEISHU_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{8,128}")
WEBHOOK_SECRET_MIN = 16


def host_allowed(host: str, port: int) -> bool:
    """Whether an admin allowed this host ("host" allows every port, "host:port" one port)."""
    for entry in getattr(settings, "HETONG_CHANNEL_ALLOWED_HOSTS", []):
        try:
            allowed = urlsplit("//" + entry.strip())
            if allowed.hostname == host.lower() and allowed.port in (None, port):
                return True
        except ValueError:  # a malformed entry allows nothing
            continue
    return False


def _port_of(parts) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def _url_errors(kind: str, url: str) -> list[str]:
    try:
        parts = urlsplit(url.strip())
        port = _port_of(parts)
    except ValueError:
        return [_("Enter a valid URL.")]
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [_("Enter a full http:// or https:// address.")]
    if parts.username or parts.password:
        return [_("The address must not contain a user name or password.")]
    allowed = host_allowed(parts.hostname, port)
    if parts.scheme == "http" and not allowed:
        return [_("Use an https:// address.")]
    if not allowed and _literal_ip_blocked(parts.hostname):
        return [_("This address is on a private or local network.")]
    if kind == "webhook":
        return []
    hosts, path_re, param = VENDOR_URLS[kind]
    name = VENDOR_NAMES[kind]
    if not allowed and (parts.hostname not in hosts or port != 443):
        return [
            _("This is not a %(vendor)s robot address (expected %(host)s).")
            % {"vendor": name, "host": " / ".join(sorted(hosts))}
        ]
    if not re.fullmatch(path_re, parts.path):
        return [
            _("This is not a %(vendor)s robot address: copy the whole webhook URL from the robot's settings.")
            % {"vendor": name}
        ]
    if param:
        values = parse_qs(parts.query).get(param[0], [])
        if len(values) != 1 or not re.fullmatch(param[1], values[0]):
            return [
                _(
                    "The address lacks a valid %(param)s: copy the whole webhook URL from the robot's settings."
                )
                % {"param": param[0]}
            ]
    return []


def _secret_errors(kind: str, secret: str) -> list[str]:
    if kind == "wecom" and secret:
        return [_("WeCom robots are not signed: leave the secret empty.")]
    if kind == "dingtalk" and secret and not DINGTALK_SECRET_RE.fullmatch(secret):
        return [_("A DingTalk signing secret starts with SEC followed by 64 hexadecimal characters.")]
    if kind == "feishu" and secret and not FEISHU_SECRET_RE.fullmatch(secret):
        return [_("Copy the Feishu signing secret exactly as shown in the robot's security settings.")]
    if kind == "webhook" and len(secret) < WEBHOOK_SECRET_MIN:
        return [
            _("A webhook needs a signing secret of at least %(count)d characters.")
            % {"count": WEBHOOK_SECRET_MIN}
        ]
    return []


def validate_channel(kind: str, url: str, secret: str, keyword: str) -> dict[str, list[str]]:
    """Field errors of a channel's settings; an empty dict means they are fine."""
    if kind not in VENDOR_NAMES:
        return {"kind": [_("Choose a valid kind of channel.")]}
    errors = {"url": _url_errors(kind, url), "secret": _secret_errors(kind, secret)}
    if keyword and kind in ("wecom", "webhook"):
        errors["keyword"] = [_("Only DingTalk and Feishu robots use a keyword.")]
    elif keyword != keyword.strip() or "\n" in keyword:
        errors["keyword"] = [_("The keyword must be a single word or phrase without surrounding spaces.")]
    return {name: msgs for name, msgs in errors.items() if msgs}


# --- The SSRF guard -------------------------------------------------------------------------------------


class Target(NamedTuple):
    scheme: str
    host: str
    port: int
    ip: str  # the vetted address we connect to
    path: str  # path and query string


def _ip_blocked(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _literal_ip_blocked(host: str) -> bool:
    try:
        return _ip_blocked(ipaddress.ip_address(host))
    except ValueError:  # a name: only resolving it tells
        return False


def check_target(url: str) -> Target:
    """Resolve a channel's URL and refuse addresses inside our own network, unless an admin allowed the host."""
    try:
        parts = urlsplit(url.strip())
        port = _port_of(parts)
    except ValueError as exc:
        raise DeliveryFailed(_("The channel's address is not a valid URL."), retryable=False) from exc
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise DeliveryFailed(_("The channel's address is not an http:// or https:// URL."), retryable=False)
    allowed = host_allowed(host, port)
    if parts.scheme == "http" and not allowed:
        raise DeliveryFailed(
            _(
                "Hetong sends to plain http:// addresses only when an administrator allows "
                "the host in HETONG_CHANNEL_ALLOWED_HOSTS."
            ),
            retryable=False,
        )
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:  # a DNS outage looks the same as a typo: try again later
        raise DeliveryFailed(_("Could not resolve %(host)s.") % {"host": host}, retryable=True) from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    # Every answer must be public: a name that resolves to one public and one private address is refused too.
    blocked = [ip for ip in addresses if _ip_blocked(ip)]
    if blocked and not allowed:
        raise DeliveryFailed(
            _(
                "%(host)s resolves to %(ip)s, an address on a private or local network. Hetong does not send "
                "there unless an administrator allows the host in HETONG_CHANNEL_ALLOWED_HOSTS."
            )
            % {"host": host, "ip": blocked[0]},
            retryable=False,
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, str(addresses[0]), path)


# --- HTTP ------------------------------------------------------------------------------------------------


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """POST to a vetted address; return the status and at most MAX_RESPONSE_BYTES of the answer."""
    target = check_target(url)
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if ":" in target.host:  # an IPv6 literal
        host_header = f"[{target.host}]" if target.port == default_port else f"[{target.host}]:{target.port}"
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT)
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        # Connect to the vetted IP but check the certificate (and send SNI) for the name the admin typed.
        pool = urllib3.HTTPSConnectionPool(
            target.ip,
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.ip, target.port, timeout=timeout, retries=False, maxsize=1)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": host_header, "User-Agent": "Hetong"},
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            return response.status, response.read(MAX_RESPONSE_BYTES)
        finally:
            response.close()  # drop whatever is left unread
    except urllib3.exceptions.SSLError as exc:
        raise DeliveryFailed(
            _("The TLS certificate of %(host)s could not be verified.") % {"host": target.host},
            retryable=False,
        ) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise DeliveryFailed(
            _("Could not reach %(host)s: %(error)s") % {"host": target.host, "error": exc}, retryable=True
        ) from exc
    finally:
        pool.close()


def _check_status(status: int, host: str) -> None:
    if 200 <= status < 300:
        return
    if 300 <= status < 400:
        raise DeliveryFailed(
            _(
                "%(host)s answered with a redirect (HTTP %(status)s); Hetong does not follow "
                "redirects. Check the address."
            )
            % {"host": host, "status": status},
            retryable=False,
            code=status,
        )
    raise DeliveryFailed(
        _("%(host)s answered with HTTP status %(status)s.") % {"host": host, "status": status},
        retryable=status >= 500 or status in (408, 429),
        code=status,
    )


def _json_body(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder).encode()


def _timestamp(now: dt.datetime | None) -> float:
    return now.timestamp() if now else time.time()


# --- Rendering for robots -------------------------------------------------------------------------------


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())  # one message line stays one line
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _more(count: int) -> str:
    return _("…and %(count)d more") % {"count": count}


def _fit(render: Callable[[list[MessageLine], int], bytes], lines: list[MessageLine], limit: int) -> bytes:
    """Render as many whole lines as fit in `limit` bytes, the rest summed up as "…and N more".

    The size grows with the number of lines, so a binary search finds the most that fit. Cutting only at
    whole lines (and single elements at whole characters) never splits a UTF-8 sequence or a markdown link.
    """
    if len(full := render(lines, 0)) <= limit:
        return full
    low, high = 0, len(lines) - 1  # low lines always fit: elements are clipped so that 0 lines do
    while low < high:
        middle = (low + high + 1) // 2
        if len(render(lines[:middle], len(lines) - middle)) <= limit:
            low = middle
        else:
            high = middle - 1
    return render(lines[:low], len(lines) - low)


def _clipped(message: Message) -> Message:
    return Message(
        title=_clip(message.title, TITLE_MAX_CHARS),
        lines=[MessageLine(_clip(line.text, LINE_MAX_CHARS), line.url) for line in message.lines],
        footer=_clip(message.footer, FOOTER_MAX_CHARS),
    )


def _with_keyword(message: Message, keyword: str) -> Message:
    """A robot with a keyword drops messages without it; the footer always survives truncation."""
    texts = [message.title, message.footer, *(line.text for line in message.lines)]
    if not keyword or any(keyword in text for text in texts):
        return message
    footer = f"{message.footer} · {keyword}" if message.footer else keyword
    return Message(message.title, message.lines, footer)


def _md_link(line: MessageLine) -> str:
    if not line.url:
        return line.text
    # Brackets in the text or parentheses in the address would end the markdown link early.
    text = line.text.replace("[", "【").replace("]", "】")
    url = line.url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return f"[{text}]({url})"


def wecom_body(message: Message) -> bytes:
    message = _clipped(message)

    def render(lines: list[MessageLine], more: int) -> bytes:
        parts = [f"**{message.title}**", *(f"> {_md_link(line)}" for line in lines)]
        if more:
            parts.append(f"> {_more(more)}")
        if message.footer:
            parts.append(f'<font color="comment">{message.footer}</font>')
        return "\n".join(parts).encode()

    content = _fit(render, message.lines, WECOM_MAX_BYTES).decode()
    return _json_body({"msgtype": "markdown", "markdown": {"content": content}})


def dingtalk_body(message: Message, keyword: str = "") -> bytes:
    message = _clipped(_with_keyword(message, keyword))

    def render(lines: list[MessageLine], more: int) -> bytes:
        items = [f"- {_md_link(line)}" for line in lines] + ([f"- {_more(more)}"] if more else [])
        parts = [f"#### {message.title}", "\n".join(items), message.footer]
        # DingTalk runs single line breaks together: blocks need a blank line between them.
        return "\n\n".join(part for part in parts if part).encode()

    text = _fit(render, message.lines, DINGTALK_MAX_BYTES).decode()
    return _json_body({"msgtype": "markdown", "markdown": {"title": message.title, "text": text}})


def feishu_body(message: Message, keyword: str = "", signature: dict | None = None) -> bytes:
    message = _clipped(_with_keyword(message, keyword))

    def paragraph(line: MessageLine) -> list[dict]:
        if line.url:
            return [{"tag": "a", "text": line.text, "href": line.url}]
        return [{"tag": "text", "text": line.text}]

    def render(lines: list[MessageLine], more: int) -> bytes:
        content = [paragraph(line) for line in lines]
        if more:
            content.append([{"tag": "text", "text": _more(more)}])
        if message.footer:
            content.append([{"tag": "text", "text": message.footer}])
        post = {"zh_cn": {"title": message.title, "content": content}}
        # The limit is on the whole body, signature included.
        return _json_body({**(signature or {}), "msg_type": "post", "content": {"post": post}})

    return _fit(render, message.lines, FEISHU_MAX_BYTES)


# --- Senders --------------------------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    # Not the DingTalk scheme: the key is "timestamp\nsecret" and the message is empty.
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_signature(secret: str, timestamp_s: int, body: bytes) -> str:
    return (
        "sha256=" + hmac.new(secret.encode(), f"{timestamp_s}.".encode() + body, hashlib.sha256).hexdigest()
    )


def _require_valid(channel: ChannelConfig) -> None:
    """Re-check at send time: the allowed hosts may have changed since the channel was saved."""
    errors = validate_channel(channel.kind, channel.url, channel.secret or "", channel.keyword or "")
    if errors:
        messages = [str(message) for field_messages in errors.values() for message in field_messages]
        raise DeliveryFailed(
            _("The channel's settings are not valid: %(errors)s") % {"errors": " ".join(messages)},
            retryable=False,
        )


def _vendor_envelope(kind: str, status: int, answer: bytes, host: str) -> None:
    """Raise unless the vendor's JSON envelope says the message was taken."""
    _check_status(status, host)
    name = VENDOR_NAMES[kind]
    try:
        envelope = json.loads(answer)
    except ValueError:
        envelope = None
    if not isinstance(envelope, dict):
        # Typically a proxy's error page: nothing says the message is lost for good.
        raise DeliveryFailed(
            _("%(vendor)s gave an answer Hetong does not understand.") % {"vendor": name}, retryable=True
        )
    if kind == "feishu":
        code = envelope.get("code", envelope.get("StatusCode", -1))
        detail = envelope.get("msg", envelope.get("StatusMessage", ""))
    else:
        code, detail = envelope.get("errcode", -1), envelope.get("errmsg", "")
    if code == 0:
        return
    raise DeliveryFailed(
        _("%(vendor)s refused the message: error %(code)s (%(detail)s).")
        % {"vendor": name, "code": code, "detail": str(detail)[:200]},
        retryable=code in RETRYABLE_CODES[kind],
        code=code,
    )


def send_robot(channel: ChannelConfig, message: Message, *, now: dt.datetime | None = None) -> None:
    """Post a message to a WeCom, DingTalk or Feishu group robot, signed as the vendor requires."""
    _require_valid(channel)
    secret, keyword, url = channel.secret or "", channel.keyword or "", channel.url.strip()
    if channel.kind == "wecom":
        body = wecom_body(message)  # no signature: the key in the URL is the secret
    elif channel.kind == "dingtalk":
        body = dingtalk_body(message, keyword)
        if secret:  # milliseconds, in the query string
            timestamp_ms = int(_timestamp(now) * 1000)
            url += f"&timestamp={timestamp_ms}&sign={quote_plus(dingtalk_sign(secret, timestamp_ms))}"
    elif channel.kind == "feishu":
        signature = None
        if secret:  # seconds, in the JSON body (Feishu expects the timestamp as a string)
            timestamp_s = int(_timestamp(now))
            signature = {"timestamp": str(timestamp_s), "sign": feishu_sign(secret, timestamp_s)}
        body = feishu_body(message, keyword, signature)
    else:
        raise ValueError(f"not a robot channel: {channel.kind}")
    status, answer = _post(url, body, {"Content-Type": "application/json; charset=utf-8"})
    _vendor_envelope(channel.kind, status, answer, urlsplit(url).hostname or "")


def send_webhook(channel: ChannelConfig, event: dict, *, now: dt.datetime | None = None) -> None:
    """POST an event as JSON, signed like `sha256=HMAC(secret, "<timestamp>." + body)`; any 2xx is success."""
    _require_valid(channel)
    body = _json_body(event)
    timestamp_s = int(_timestamp(now))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Hetong-Event": str(event["type"]),
        "X-Hetong-Timestamp": str(timestamp_s),
        "X-Hetong-Signature": webhook_signature(channel.secret, timestamp_s, body),
    }
    status, _answer = _post(channel.url.strip(), body, headers)
    _check_status(status, urlsplit(channel.url.strip()).hostname or "")


def send_test(channel: ChannelConfig) -> None:
    """Send a test message through a channel, so that an admin sees at once whether it works."""
    title = _("Hetong test message")
    text = _("If you can read this, Hetong can send reminders to this channel.")
    if channel.kind == "webhook":
        send_webhook(channel, {"type": "test", "title": title, "text": text})
    else:
        send_robot(channel, Message(title=title, lines=[MessageLine(text)], footer="Hetong"))


# --- Email ----------------------------------------------------------------------------------------------


def send_email(*, to: str, subject: str, text: str, html: str, attachments=()) -> None:
    """Send one message with a plain-text and an HTML part, and any attached files (file name, bytes, content
    type), through the configured mail server."""
    # A line break in a subject would be refused as header injection; a subject is one line anyway.
    subject = " ".join(subject.split())
    mail = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])
    mail.attach_alternative(html, "text/html")
    for name, content, content_type in attachments:
        mail.attach(name, content, content_type)
    try:
        mail.send()
    except smtplib.SMTPRecipientsRefused as exc:
        code, detail = next(iter(exc.recipients.values()), (0, b""))
        raise DeliveryFailed(
            _("The mail server refused the recipient %(to)s: %(code)s %(detail)s")
            % {"to": to, "code": code, "detail": _decode(detail)},
            retryable=not 500 <= code < 600,  # 5xx: the address does not exist or never takes our mail
            code=code,
        ) from exc
    except smtplib.SMTPResponseException as exc:
        # A 5xx after DATA refuses this message for good; anything else (auth, sender, 4xx) can be fixed
        # or passes by itself, so a later try may succeed.
        permanent = isinstance(exc, smtplib.SMTPDataError) and 500 <= exc.smtp_code < 600
        raise DeliveryFailed(
            _("The mail server refused the message: %(code)s %(detail)s")
            % {"code": exc.smtp_code, "detail": _decode(exc.smtp_error)},
            retryable=not permanent,
            code=exc.smtp_code,
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(
            _("Could not reach the mail server: %(error)s") % {"error": exc}, retryable=True
        ) from exc


def _decode(detail: bytes | str) -> str:
    return detail.decode(errors="replace") if isinstance(detail, bytes) else str(detail)
