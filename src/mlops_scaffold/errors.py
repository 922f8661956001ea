"""Errors the CLI turns into a one-line message and an exit code."""


class ScaffoldError(Exception):
    """A problem the user can fix; the message says what is wrong and how to fix it."""

    exit_code = 2
