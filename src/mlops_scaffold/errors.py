"""Errors the CLI turns into a one-line message and an exit code."""


class ScaffoldError(Exception):
    """A problem the user can fix; the message says what is wrong and how to fix it."""

    exit_code = 2


class ConflictError(ScaffoldError):
    """A merge stopped on conflicts the user has to resolve."""

    exit_code = 1
