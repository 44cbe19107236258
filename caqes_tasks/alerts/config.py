"""Where alerts go: environment variables, or Airflow connections when running inside Airflow.

Environment variables:
  CAQES_ALERT_SMTP_HOST, CAQES_ALERT_SMTP_PORT (default 25, or 587 with STARTTLS),
  CAQES_ALERT_SMTP_STARTTLS (1/true/yes), CAQES_ALERT_SMTP_SSL (implicit TLS, port 465),
  CAQES_ALERT_SMTP_USER, CAQES_ALERT_SMTP_PASSWORD, CAQES_ALERT_SMTP_CAFILE (CA bundle to
  verify the server's certificate; default: the system's), CAQES_ALERT_FROM,
  CAQES_ALERT_TO (addresses separated by commas or semicolons),
  CAQES_ALERT_WEBHOOK_URL (receives ``{"text": ...}`` as JSON),
  CAQES_REPORT_BASE_URL (URL under which the OUT folder is served; reports are linked below it).
Airflow connections (when Airflow is loaded and they exist, they take precedence):
  ``caqes_smtp``: host, port, login, password; extra ``{"starttls": true, "ssl": false,
  "from": "...", "to": "a@x, b@y"}``; ``caqes_webhook``: extra ``{"url": "..."}`` or the
  connection's own URL (schema://host:port/path).
"""

from __future__ import annotations

import logging
import os
import re
import sys
from dataclasses import dataclass, field, replace

log = logging.getLogger(__name__)
TRUE = {"1", "true", "yes", "oui", "on"}


@dataclass(frozen=True)
class AlertConfig:
    smtp_host: str = ""
    smtp_port: int = 0
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_cafile: str = ""
    mail_from: str = "caqes@localhost"
    mail_to: tuple[str, ...] = ()
    webhook_url: str = ""
    report_base_url: str = ""

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host and self.mail_to)

    @property
    def webhook_enabled(self) -> bool:
        return bool(self.webhook_url)

    @property
    def port(self) -> int:
        return self.smtp_port or (465 if self.smtp_ssl else 587 if self.smtp_starttls else 25)


def _addresses(text: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in re.split(r"[,;]", text or "") if a.strip())


def config_from_env(env: dict | None = None) -> AlertConfig:
    env = os.environ if env is None else env
    return AlertConfig(
        smtp_host=env.get("CAQES_ALERT_SMTP_HOST", ""),
        smtp_port=int(env.get("CAQES_ALERT_SMTP_PORT") or 0),
        smtp_starttls=env.get("CAQES_ALERT_SMTP_STARTTLS", "").strip().lower() in TRUE,
        smtp_ssl=env.get("CAQES_ALERT_SMTP_SSL", "").strip().lower() in TRUE,
        smtp_user=env.get("CAQES_ALERT_SMTP_USER", ""),
        smtp_password=env.get("CAQES_ALERT_SMTP_PASSWORD", ""),
        smtp_cafile=env.get("CAQES_ALERT_SMTP_CAFILE", ""),
        mail_from=env.get("CAQES_ALERT_FROM") or "caqes@localhost",
        mail_to=_addresses(env.get("CAQES_ALERT_TO", "")),
        webhook_url=env.get("CAQES_ALERT_WEBHOOK_URL", ""),
        report_base_url=env.get("CAQES_REPORT_BASE_URL", ""),
    )


def _airflow_connection(conn_id: str):
    """The Airflow connection ``conn_id``, or None outside Airflow or when it does not exist."""
    if "airflow" not in sys.modules:
        return None
    try:
        try:
            from airflow.sdk import BaseHook
        except ImportError:  # older Airflow
            from airflow.hooks.base import BaseHook
        return BaseHook.get_connection(conn_id)
    except Exception:  # noqa: BLE001 - a missing connection means "use the environment"
        return None


def alert_config(env: dict | None = None) -> AlertConfig:
    cfg = config_from_env(env)
    smtp = _airflow_connection("caqes_smtp")
    if smtp is not None and smtp.host:
        extra = smtp.extra_dejson or {}
        cfg = replace(
            cfg,
            smtp_host=smtp.host,
            smtp_port=int(smtp.port or 0),
            smtp_user=smtp.login or "",
            smtp_password=smtp.password or "",
            smtp_starttls=str(extra.get("starttls", cfg.smtp_starttls)).lower() in TRUE,
            smtp_ssl=str(extra.get("ssl", cfg.smtp_ssl)).lower() in TRUE,
            mail_from=extra.get("from", cfg.mail_from),
            mail_to=_addresses(extra["to"]) if extra.get("to") else cfg.mail_to,
        )
    hook = _airflow_connection("caqes_webhook")
    if hook is not None:
        extra = hook.extra_dejson or {}
        url = extra.get("url") or (hook.get_uri().split("?")[0] if hook.host else "")
        if url:
            cfg = replace(cfg, webhook_url=url)
    return cfg
