"""Local stand-ins for the outside world: an SMTP sink and fake group robots, on 127.0.0.1 only.

They check what the vendors check (route and key shape, body schema, byte limits, signatures with the right
time unit and placement, keywords, a per-robot rate limit) and answer with the vendors' own envelopes, so
that a test passing here means the real robot would have taken the message. The checks are written from the
vendors' notes (shared/data/robot-webhook-formats.md), not from transports.py, on purpose.

    with RobotReceiver("dingtalk", secret="SEC…") as robot:
        send_robot(SimpleNamespace(kind="dingtalk", url=robot.url, secret=robot.secret, keyword=""), message)
        assert robot.accepted[0]["msgtype"] == "markdown"
"""

import base64
import email
import email.policy
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"
SIGNATURE_WINDOW = 3600  # seconds: DingTalk and Feishu refuse timestamps more than an hour away
WEBHOOK_WINDOW = 300  # seconds: what a careful webhook consumer allows
MAX_REQUEST_BYTES = 1024 * 1024


# --- SMTP ------------------------------------------------------------------------------------------------


class _Controller(Controller):
    def _trigger_server(self):
        # Port 0 asks the system for a free port: learn which one before aiosmtpd connects to itself.
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpSink:
    """An SMTP server that keeps every message it accepts, parsed, in `.messages`.

    `refuse_rcpt` (e.g. "550 5.1.1 No such user" or "451 4.3.0 Try again later") refuses every recipient.
    """

    def __init__(self, *, refuse_rcpt: str | None = None):
        self.refuse_rcpt = refuse_rcpt
        self.messages: list[EmailMessage] = []
        self._controller = _Controller(self, hostname=HOST, port=0)
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO

    @property
    def host(self) -> str:
        return HOST

    @property
    def port(self) -> int:
        return self._controller.port

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd hook)
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]  # policy.default makes an EmailMessage
        return "250 Message accepted for delivery"

    def start(self) -> "SmtpSink":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> "SmtpSink":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- Robots ----------------------------------------------------------------------------------------------


@dataclass
class Rejection:
    status: int
    code: int | None  # the vendor's error code, None for plain HTTP errors
    reason: str
    body: bytes


class _Refused(Exception):
    def __init__(self, code: int | None, reason: str, status: int = 200):
        self.code, self.reason, self.status = code, reason, status


# Vendor error codes the receivers answer with.
WECOM = {"bad_key": 93000, "bad_json": 40035, "bad_type": 40008, "too_long": 40058, "rate": 45009}
DINGTALK = {
    "bad_token": 300001,
    "bad_json": 40035,
    "bad_type": 40035,
    "security": 310000,
    "too_long": 460101,
    "rate": 130101,
}
FEISHU = {"bad_hook": 19001, "bad_request": 9499, "sign": 19021, "keyword": 19024, "rate": 11232}

WECOM_TYPES = {"text", "markdown", "markdown_v2", "image", "news", "file", "voice", "template_card"}
DINGTALK_TYPES = {"text", "link", "markdown", "actionCard", "feedCard"}
FEISHU_TYPES = {"text", "post", "image", "share_chat", "interactive"}
FEISHU_TAGS = {"text", "a", "at", "img"}


class RobotReceiver:
    """A fake WeCom, DingTalk or Feishu group robot, or a generic webhook endpoint ("webhook").

    `.url` is the address to configure; `.accepted` holds the JSON bodies taken, `.rejected` the refusals.
    """

    def __init__(
        self, kind: str, secret: str | None = None, keyword: str | None = None, *, rate_limit: int = 20
    ):
        if kind not in ("wecom", "dingtalk", "feishu", "webhook"):
            raise ValueError(kind)
        self.kind, self.secret, self.keyword, self.rate_limit = kind, secret, keyword, rate_limit
        self.token = {
            "wecom": str(uuid.uuid4()),
            "dingtalk": secrets.token_hex(32),
            "feishu": str(uuid.uuid4()),
            "webhook": "",
        }[kind]
        self.accepted: list[dict] = []
        self.rejected: list[Rejection] = []
        self.headers: list[dict[str, str]] = []  # of accepted requests
        self._failures: deque[int] = deque()
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((HOST, 0), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return f"{HOST}:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        base = f"http://{self.host}"
        return {
            "wecom": f"{base}/cgi-bin/webhook/send?key={self.token}",
            "dingtalk": f"{base}/robot/send?access_token={self.token}",
            "feishu": f"{base}/open-apis/bot/v2/hook/{self.token}",
            "webhook": f"{base}/hook",
        }[self.kind]

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        """Answer the next n requests with this HTTP status, as during an outage (a 3xx redirects)."""
        with self._lock:
            self._failures.extend([status] * n)

    def start(self) -> "RobotReceiver":
        # A short poll keeps stop() quick: shutdown waits for the serving loop's next look at its flag.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread:
            self._server.shutdown()
            self._server.server_close()
            self._thread = None

    def __enter__(self) -> "RobotReceiver":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # The request, judged the way the vendor would.

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, dict[str, str]]:
        """Status, JSON answer and extra headers for one POST."""
        with self._lock:
            failure = self._failures.popleft() if self._failures else None
        if failure is not None:
            self.rejected.append(Rejection(failure, None, "simulated outage", body))
            extra = {"Location": "http://127.0.0.1:9/elsewhere"} if 300 <= failure < 400 else {}
            return failure, {"error": "simulated"}, extra
        try:
            data = getattr(self, f"_check_{self.kind}")(path, headers, body)
            self._count()
        except _Refused as refusal:
            self.rejected.append(Rejection(refusal.status, refusal.code, refusal.reason, body))
            return refusal.status, self._envelope(refusal.code, refusal.reason), {}
        self.accepted.append(data)
        self.headers.append(headers)
        return 200, self._envelope(0, "ok"), {}

    def _envelope(self, code: int | None, reason: str) -> dict:
        if self.kind == "feishu":
            return {"code": code, "msg": "success" if code == 0 else reason, "data": {}}
        if self.kind == "webhook":
            return {"ok": True} if code == 0 else {"error": reason}
        return {"errcode": code, "errmsg": reason}

    def _count(self) -> None:
        if self.kind == "webhook":
            return
        code = {"wecom": WECOM, "dingtalk": DINGTALK, "feishu": FEISHU}[self.kind]["rate"]
        reason = {
            "wecom": "api freq out of limit",
            "dingtalk": "send too fast, exceed 20 times per minute",
            "feishu": "frequency limited",
        }[self.kind]
        with self._lock:
            now = time.monotonic()
            while self._sent and now - self._sent[0] >= 60:
                self._sent.popleft()
            if len(self._sent) >= self.rate_limit:
                raise _Refused(code, reason)
            self._sent.append(now)

    @staticmethod
    def _json(headers: dict[str, str], body: bytes, code: int | None, status: int = 200) -> dict:
        if not headers.get("content-type", "").startswith("application/json"):
            raise _Refused(code, "content type must be application/json", status)
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError:
            raise _Refused(code, "invalid json", status) from None
        if not isinstance(data, dict):
            raise _Refused(code, "invalid json", status)
        return data

    def _check_wecom(self, path: str, headers: dict[str, str], body: bytes) -> dict:
        url = urlsplit(path)
        if url.path != "/cgi-bin/webhook/send" or parse_qs(url.query).get("key") != [self.token]:
            raise _Refused(WECOM["bad_key"], "invalid webhook url")
        data = self._json(headers, body, WECOM["bad_json"])
        kind = data.get("msgtype")
        if kind not in WECOM_TYPES or not isinstance(data.get(kind), dict):
            raise _Refused(WECOM["bad_type"], "invalid message type")
        content = data[kind].get("content")
        if kind in ("text", "markdown"):
            if not isinstance(content, str) or not content:
                raise _Refused(WECOM["bad_json"], "content is required")
            if len(content.encode()) > (2048 if kind == "text" else 4096):
                raise _Refused(WECOM["too_long"], "content exceed max length")
        return data

    def _check_dingtalk(self, path: str, headers: dict[str, str], body: bytes) -> dict:
        url = urlsplit(path)
        query = parse_qs(url.query)
        if url.path != "/robot/send" or query.get("access_token") != [self.token]:
            raise _Refused(DINGTALK["bad_token"], "token is not exist")
        if self.secret:  # milliseconds, in the query string; the key is the secret
            timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
            if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > SIGNATURE_WINDOW * 1000:
                raise _Refused(DINGTALK["security"], "timestamp is not within one hour")
            expected = base64.b64encode(
                hmac.new(
                    self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256
                ).digest()
            ).decode()
            if not hmac.compare_digest(sign, expected):
                raise _Refused(DINGTALK["security"], "sign not match")
        data = self._json(headers, body, DINGTALK["bad_json"])
        kind = data.get("msgtype")
        if kind not in DINGTALK_TYPES or not isinstance(data.get(kind), dict):
            raise _Refused(DINGTALK["bad_type"], "msgtype is invalid")
        part = data[kind]
        text = part.get("content") if kind == "text" else part.get("text")
        if kind in ("text", "markdown"):
            if not isinstance(text, str) or not text or (kind == "markdown" and not part.get("title")):
                raise _Refused(DINGTALK["bad_json"], "missing parameter")
            if len(text.encode()) > 20_000:
                raise _Refused(DINGTALK["too_long"], "message too long")
        if self.keyword and self.keyword not in json.dumps(part, ensure_ascii=False):
            raise _Refused(DINGTALK["security"], "keywords not in content")
        return data

    def _check_feishu(self, path: str, headers: dict[str, str], body: bytes) -> dict:
        if path != f"/open-apis/bot/v2/hook/{self.token}":
            raise _Refused(FEISHU["bad_hook"], "param invalid: incoming webhook access token invalid")
        if len(body) > 20 * 1024:
            raise _Refused(FEISHU["bad_request"], "request body too large")
        data = self._json(headers, body, FEISHU["bad_request"])
        if self.secret:  # seconds, in the body; the key is "timestamp\nsecret" and the message empty
            timestamp, sign = str(data.get("timestamp", "")), str(data.get("sign", ""))
            key = f"{timestamp}\n{self.secret}".encode()
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            if (
                not timestamp.isdigit()
                or abs(time.time() - int(timestamp)) > SIGNATURE_WINDOW
                or not hmac.compare_digest(sign, expected)
            ):
                raise _Refused(
                    FEISHU["sign"], "sign match fail or timestamp is not within one hour from current time"
                )
        kind = data.get("msg_type")
        holder = "card" if kind == "interactive" else "content"
        if kind not in FEISHU_TYPES or not isinstance(data.get(holder), dict):
            raise _Refused(FEISHU["bad_request"], "Bad Request")
        if kind == "post":
            self._check_feishu_post(data["content"])
        if self.keyword and self.keyword not in json.dumps(data[holder], ensure_ascii=False):
            raise _Refused(FEISHU["keyword"], "Key Words Not Found")
        return data

    @staticmethod
    def _check_feishu_post(content: dict) -> None:
        post = content.get("post")
        if not isinstance(post, dict) or not post:
            raise _Refused(FEISHU["bad_request"], "Bad Request")
        for language in post.values():
            paragraphs = language.get("content") if isinstance(language, dict) else None
            if not isinstance(language.get("title", ""), str) or not isinstance(paragraphs, list):
                raise _Refused(FEISHU["bad_request"], "Bad Request")
            for paragraph in paragraphs:
                if not isinstance(paragraph, list):
                    raise _Refused(FEISHU["bad_request"], "Bad Request")
                for element in paragraph:
                    tag = element.get("tag") if isinstance(element, dict) else None
                    if tag not in FEISHU_TAGS or (
                        tag in ("text", "a") and not isinstance(element.get("text"), str)
                    ):
                        raise _Refused(FEISHU["bad_request"], "Bad Request")
                    if tag == "a" and not str(element.get("href", "")).startswith(("http://", "https://")):
                        raise _Refused(FEISHU["bad_request"], "Bad Request")

    def _check_webhook(self, path: str, headers: dict[str, str], body: bytes) -> dict:
        if path != "/hook":
            raise _Refused(None, "not found", 404)
        data = self._json(headers, body, None, 400)
        if headers.get("user-agent") != "Hetong" or headers.get("x-hetong-event") != data.get("type"):
            raise _Refused(None, "missing or inconsistent headers", 400)
        timestamp = headers.get("x-hetong-timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > WEBHOOK_WINDOW:
            raise _Refused(None, "timestamp outside the window", 401)
        expected = (
            "sha256="
            + hmac.new(
                (self.secret or "").encode(), f"{timestamp}.".encode() + body, hashlib.sha256
            ).hexdigest()
        )
        if not hmac.compare_digest(headers.get("x-hetong-signature", ""), expected):
            raise _Refused(None, "bad signature", 401)
        return data

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server hook)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, MAX_REQUEST_BYTES))
                headers = {name.lower(): value for name, value in self.headers.items()}
                status, answer, extra = receiver.handle(self.path, headers, body)
                payload = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json; charset=utf-8", **extra}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format, *args):  # keep test output quiet
                pass

        return Handler
