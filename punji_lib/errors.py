"""The one error type punji raises for anything a user can fix."""


class PunjiError(Exception):
    """An error with a one-line message that names the file, option or package at fault.

    >>> raise PunjiError("demo.conf: option 'release_short': 'a b' does not match '^[a-zA-Z0-9]+$'")
    """

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self):
        if self.hint:
            return "%s (%s)" % (self.message, self.hint)
        return self.message
