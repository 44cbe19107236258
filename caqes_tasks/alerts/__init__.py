"""Alerts: one message per failing run, by e-mail (SMTP, text and HTML) and webhook (Mattermost/Slack/Teams)."""

from caqes_tasks.alerts.config import AlertConfig, alert_config  # noqa: F401
from caqes_tasks.alerts.message import Alert, compose  # noqa: F401
from caqes_tasks.alerts.send import send_alert  # noqa: F401
