"""Delivery of an alert by SMTP (text and HTML, multipart/alternative) and by webhook (text);
no channel configured is logged, not an error."""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import urllib.request
from email.message import EmailMessage

from caqes_tasks.alerts.config import AlertConfig

log = logging.getLogger(__name__)


def send_email(cfg: AlertConfig, subject: str, text: str, html: str = "", timeout: float = 30) -> None:
    """One mail: the text, and its HTML version as the preferred alternative when given."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = cfg.mail_from
    msg["To"] = ", ".join(cfg.mail_to)
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    tls = ssl.create_default_context(cafile=cfg.smtp_cafile or None)
    if cfg.smtp_ssl:
        smtp = smtplib.SMTP_SSL(cfg.smtp_host, cfg.port, timeout=timeout, context=tls)
    else:
        smtp = smtplib.SMTP(cfg.smtp_host, cfg.port, timeout=timeout)
    with smtp:
        if cfg.smtp_starttls and not cfg.smtp_ssl:
            smtp.starttls(context=tls)
        if cfg.smtp_user:
            smtp.login(cfg.smtp_user, cfg.smtp_password)
        smtp.send_message(msg)


def send_webhook(cfg: AlertConfig, subject: str, text: str, timeout: float = 30) -> int:
    """POST ``{"text": ...}`` (Mattermost, Slack and Teams incoming webhooks accept it)."""
    body = json.dumps({"text": f"**{subject}**\n\n{text}"}, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(
        cfg.webhook_url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - URL set by the operator
        return resp.status


def send_alert(cfg: AlertConfig, subject: str, text: str, html: str = "") -> dict:
    """Send on every configured channel (``html``: the mail's HTML version); return
    ``{"sent": bool, "channels": [...], "errors": [...]}``."""
    channels, errors = [], []
    if cfg.email_enabled:
        try:
            send_email(cfg, subject, text, html)
            channels.append("email")
        except Exception as exc:  # noqa: BLE001 - a failed alert must not hide the run's outcome
            log.error("alert e-mail to %s failed: %s", cfg.smtp_host, exc)
            errors.append(f"email: {exc}")
    if cfg.webhook_enabled:
        try:
            send_webhook(cfg, subject, text)
            channels.append("webhook")
        except Exception as exc:  # noqa: BLE001
            log.error("alert webhook failed: %s", exc)
            errors.append(f"webhook: {exc}")
    if not cfg.email_enabled and not cfg.webhook_enabled:
        log.warning("no alert channel configured (CAQES_ALERT_SMTP_HOST/CAQES_ALERT_TO or CAQES_ALERT_WEBHOOK_URL): %s\n%s", subject, text)
    return {"sent": bool(channels), "channels": channels, "errors": errors}
