"""API tokens were kept in plain text (rest_framework.authtoken); they are now
SHA-512 digests (django-rest-knox). Each existing token is carried over as its
digest with the expiry it had (created + API_TOKEN_MAX_AGE_DAYS), so programs
keep working until then, and the plain-text table is dropped."""

from datetime import UTC, timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS

OLD_TABLE = "authtoken_token"


def carry_over(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    AuthToken = apps.get_model("knox", "AuthToken")
    max_age = timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {OLD_TABLE}")  # noqa: S608
        rows = cursor.fetchall()
    now = timezone.now()
    for key, user_id, created in rows:
        if timezone.is_naive(created):
            created = timezone.make_aware(created, UTC)
        if created + max_age <= now:
            continue  # already expired: nothing to carry over
        token = AuthToken(
            digest=hash_token(key),
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=user_id,
            expiry=created + max_age,
        )
        token.save()
        AuthToken.objects.filter(pk=token.pk).update(created=created)
    schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(OLD_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_languages_spoken"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(carry_over, migrations.RunPython.noop)]
