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


class NotFailable(PunjiError):
    """A PunjiError that failable_deliverables does not excuse: Pungi meets it in its phase's
    own run, before the deliverable's task that failable covers (a tree's volume id)."""


class NotReady(PunjiError):
    """A PunjiError of a phase run before the phases whose outputs it reads: run by hand, nothing
    failed (the compose is not DOOMED by it); under the compose's make, whose order rules that
    out, it fails as any error does (the outputs of a phase marked done went missing)."""


DISK_FULL = {28: "no space left on device", 122: "disk quota exceeded", 27: "file too large"}
# where the compose (its target directory, an input) cannot be written or read
NO_ACCESS = {30: "read-only file system", 13: "permission denied"}


def as_user_error(exc):
    """A PunjiError for an OSError the user can fix (a full disk, a quota, a file size limit, a
    read-only file system, a permission), naming the file; None for any other exception."""
    if isinstance(exc, PunjiError):
        return exc
    if isinstance(exc, OSError) and exc.errno in DISK_FULL:
        # a link's or a rename's new name is its second file name, the one written
        written = exc.filename2 or exc.filename
        where = " writing %s" % written if written else ""
        return PunjiError("%s%s" % (DISK_FULL[exc.errno], where))
    if isinstance(exc, OSError) and exc.errno in NO_ACCESS and exc.filename:
        return PunjiError("%s: %s" % (exc.filename, NO_ACCESS[exc.errno]))
    return None


LOW_SPACE = 64 << 20  # bytes free under which a failed write is most likely a full disk


def low_space(path):
    """A note when PATH's file system is (nearly) full, for the error of a tool that says only
    "file operation error" when it cannot write there (createrepo_c); "" otherwise."""
    import os

    try:
        st = os.statvfs(path)
    except OSError:
        return ""
    free = st.f_bavail * st.f_frsize
    return " (no space left on device? %d KiB free there)" % (free >> 10) if free < LOW_SPACE else ""
