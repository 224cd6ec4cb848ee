"""The outside channels of reminders (WORK-8): SMTP email, the DingTalk group robot (signed webhook)
and a WeCom application message. Each sender raises `ChannelError` on failure (the delivery is
retried) and `NoAddress` when the employee cannot be reached on that channel (logged as skipped).

- DingTalk custom robot, "加签" security: `sign = urlencode(base64(HMAC-SHA256(secret,
  f"{timestamp}\\n{secret}")))`, `timestamp` in milliseconds, both appended to the webhook URL; the
  body is a `markdown` message that @-mentions the employee's mobile. Answer `{"errcode": 0}`.
- WeCom: `GET /cgi-bin/gettoken?corpid=…&corpsecret=…` → `access_token` (cached until it expires),
  then `POST /cgi-bin/message/send?access_token=…` with a `text` message to the employee's userid,
  with WeCom's own duplicate check on (same content to the same user within 30 minutes is dropped).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

TIMEOUT = 10


class ChannelError(Exception):
    """A failed attempt; the delivery will be retried."""


class NoAddress(Exception):
    """The employee has no address on this channel; nothing to send."""


@dataclass
class Message:
    title: str
    body: str
    message_id: str  # stable per notification: lets mail servers and readers drop duplicates


# ------------------------------------------------------------------ email
def send_email(cfg: Any, to: str | None, msg: Message) -> str:
    if not to:
        raise NoAddress("employee has no email address")
    if not cfg.smtp_host:
        raise ChannelError("SMTP host not configured")
    m = EmailMessage()
    m["Subject"] = msg.title
    m["From"] = cfg.smtp_from or cfg.smtp_user or "huike@localhost"
    m["To"] = to
    m["Date"] = formatdate(localtime=False)
    m["Message-ID"] = f"<{msg.message_id}@huike>"
    m.set_content(f"{msg.title}\n\n{msg.body}\n\n— 汇客 CRM")
    try:
        if cfg.smtp_security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(cfg.smtp_host, cfg.smtp_port, timeout=TIMEOUT,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=TIMEOUT)
        with client:
            if cfg.smtp_security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if cfg.smtp_user and cfg.smtp_password:
                client.login(cfg.smtp_user, cfg.smtp_password)
            refused = client.send_message(m)
    except (smtplib.SMTPException, OSError) as exc:
        raise ChannelError(f"smtp: {type(exc).__name__}: {exc}"[:500]) from exc
    if refused:
        raise ChannelError(f"smtp refused: {refused}"[:500])
    return "ok"


# ------------------------------------------------------------------ HTTP
def _http(method: str, url: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    data = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json; charset=utf-8"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"http {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ChannelError(f"http: {exc}"[:500]) from exc
    try:
        out = json.loads(raw)
    except ValueError as exc:
        raise ChannelError("answer is not JSON") from exc
    if not isinstance(out, dict):
        raise ChannelError("answer is not a JSON object")
    return out


# ------------------------------------------------------------------ DingTalk group robot
def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    string_to_sign = f"{timestamp_ms}\n{secret}"
    digest = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def dingtalk_url(webhook: str, secret: str | None, timestamp_ms: int | None = None) -> str:
    if not secret:
        return webhook
    ts = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    sep = "&" if "?" in webhook else "?"
    return f"{webhook}{sep}timestamp={ts}&sign={dingtalk_sign(secret, ts)}"


def send_dingtalk(cfg: Any, mobile: str | None, msg: Message) -> str:
    if not cfg.dingtalk_webhook:
        raise ChannelError("DingTalk webhook not configured")
    text = f"#### {msg.title}\n\n{msg.body}"
    payload: dict[str, Any] = {"msgtype": "markdown", "markdown": {"title": msg.title, "text": text}}
    if mobile:
        payload["markdown"]["text"] += f"\n\n@{mobile}"
        payload["at"] = {"atMobiles": [mobile], "isAtAll": False}
    out = _http("POST", dingtalk_url(cfg.dingtalk_webhook, cfg.dingtalk_secret), payload)
    if out.get("errcode") != 0:
        raise ChannelError(f"dingtalk errcode {out.get('errcode')}: {out.get('errmsg')}"[:500])
    return "ok"


# ------------------------------------------------------------------ WeCom application message
_tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()
TOKEN_ERRORS = {40014, 42001, 40001}  # invalid / expired access_token


def _wecom_token(cfg: Any, refresh: bool = False) -> str:
    key = (cfg.wecom_api_base, cfg.wecom_corp_id or "", cfg.wecom_secret or "")
    with _tokens_lock:
        cached = _tokens.get(key)
        if cached and not refresh and cached[1] > time.time():
            return cached[0]
    query = urllib.parse.urlencode({"corpid": cfg.wecom_corp_id, "corpsecret": cfg.wecom_secret})
    out = _http("GET", f"{cfg.wecom_api_base.rstrip('/')}/cgi-bin/gettoken?{query}")
    if out.get("errcode", 0) != 0 or not out.get("access_token"):
        raise ChannelError(f"wecom gettoken errcode {out.get('errcode')}: {out.get('errmsg')}"[:500])
    token = str(out["access_token"])
    ttl = int(out.get("expires_in") or 7200)
    with _tokens_lock:
        _tokens[key] = (token, time.time() + max(60, ttl - 300))
    return token


def send_wecom(cfg: Any, userid: str | None, msg: Message) -> str:
    if not userid:
        raise NoAddress("employee has no WeCom userid")
    if not (cfg.wecom_corp_id and cfg.wecom_secret and cfg.wecom_agent_id):
        raise ChannelError("WeCom application not configured")
    payload = {"touser": userid, "msgtype": "text", "agentid": int(cfg.wecom_agent_id),
               "text": {"content": f"{msg.title}\n{msg.body}"}, "safe": 0,
               "enable_duplicate_check": 1, "duplicate_check_interval": 1800}
    base = cfg.wecom_api_base.rstrip("/")
    for attempt in (0, 1):
        token = _wecom_token(cfg, refresh=attempt == 1)
        out = _http("POST", f"{base}/cgi-bin/message/send?access_token={urllib.parse.quote(token)}", payload)
        code = out.get("errcode")
        if code == 0:
            if out.get("invaliduser"):
                raise ChannelError(f"wecom invalid user: {out.get('invaliduser')}")
            return "ok"
        if code not in TOKEN_ERRORS:
            break
    raise ChannelError(f"wecom errcode {out.get('errcode')}: {out.get('errmsg')}"[:500])
