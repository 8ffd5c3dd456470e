"""A command base whose bad input is one line on stderr and exit status 2."""

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

USAGE_ERROR = 2


class OneLineParser(CommandParser):
    """argparse prints usage and exits; here a bad option is one CommandError line."""

    def error(self, message):
        raise CommandError(message, returncode=USAGE_ERROR)


class OneLineErrorCommand(BaseCommand):
    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # BaseCommand has no hook for the parser class; OneLineParser adds no state.
        parser.__class__ = OneLineParser
        return parser

    def usage_error(self, message) -> CommandError:
        return CommandError(message, returncode=USAGE_ERROR)

    def run_from_argv(self, argv):
        # BaseCommand reports a CommandError from handle() in one line, but one
        # raised while parsing the arguments escapes it as a traceback.
        try:
            return super().run_from_argv(argv)
        except CommandError as exc:
            self.stderr.write(f"CommandError: {exc}")
            sys.exit(exc.returncode)
