"""Celery tasks for account emails: thin wrappers over accounts.mail."""

from celery import shared_task

from . import mail


@shared_task(name="accounts.password_reset_send")
def password_reset_send(email: str) -> int:
    return mail.password_reset_send(email=email)


@shared_task(name="accounts.email_change_send")
def email_change_send(user_id: int, token: str) -> None:
    mail.email_change_send(user_id=user_id, token=token)
