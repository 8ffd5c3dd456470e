"""Issue an API token for a person (e.g. a partner system's account).

manage.py api_token USERNAME            # prints a new token (only now: it is stored
                                        # hashed); the old one stops working
manage.py api_token USERNAME --revoke   # the person's token stops working
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import api_token_issue, api_token_revoke


class Command(BaseCommand):
    help = "Issue (or revoke) the API token of a person."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true", help="Revoke instead of issuing.")

    def handle(self, *args, username, revoke, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active person with the username {username!r}.")
        if revoke:
            api_token_revoke(user=user)
            self.stdout.write("revoked")
            return
        self.stdout.write(api_token_issue(user=user).key)
