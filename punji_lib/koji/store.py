"""The files of a Koji hub's storage (packages/..., work/tasks/...) as local paths.

A file is read in place under the profile's topdir when this machine sees it. Else it is
downloaded from the profile's topurl into a cache laid out like Koji's storage
(packages/<name>/<version>/<release>/<arch>/<file>, .../data/signed/<key>/<arch>/<file>,
work/tasks/<id % 10000>/<id>/<file>): the koji_cache directory, which composes share, or
else the compose's own work/<arch>/pkgset/cache. Each cached file is fetched under a lock of
its own (<file>.lock, fcntl), so when several composes (or arches) want one file at once one
downloads it and the others wait for it and use it. A download goes to a temporary name
beside the file and is renamed into place only once complete and checked: the cache never
holds a partial file. A cached file is checked before use (its RPM header, and its payload
hash against Koji's), and downloaded again when it is not right.
"""

import contextlib
import glob
import os

from ..compose import flock
from ..errors import PunjiError
from ..log import log
from .session import PARTIAL


class Store:
    """Local paths of the files of KOJI's (a Session) storage; CACHE: where downloads go."""

    def __init__(self, koji, cache, headers):
        self.koji = koji
        self.cache = cache
        self.headers = headers

    def has(self, rel):
        """Whether the hub has the file REL: readable under topdir, cached, or at topurl (then
        downloaded: it is checked when it is used)."""
        if self.koji.local(rel):
            return True
        if not self.koji.topurl:
            return False
        target = self._target(rel)
        with _locked(target):
            return os.path.isfile(target) or self.koji.download(rel, target)

    def path(self, rel, check, payloadhash=None):
        """The local path of REL, for which CHECK(path) passes; the payload hash of a downloaded
        copy (RPMTAG_SIGMD5 over its header and payload) is PAYLOADHASH when given."""
        local = self.koji.local(rel)
        if local:
            check(local)
            return local

        checked = []

        def full_check(path):
            check(path)
            if payloadhash:
                self.headers.check_payload(path, payloadhash)
            checked.append(path)

        target = self._target(rel)
        with _locked(target):
            if os.path.isfile(target):
                try:
                    full_check(target)
                    return target
                except PunjiError as exc:
                    log.info("cached %s is not right (%s); downloading it again", target, exc)
            if not self.koji.download(rel, target, full_check):
                raise PunjiError("koji: %s is neither readable under topdir %s nor at topurl %s"
                                 % (rel, self.koji.topdir, self.koji.topurl))
        self.headers.renamed(checked[-1], target)
        return target

    def _target(self, rel):
        """Where the file REL of Koji's storage goes in the cache."""
        target = os.path.normpath(os.path.join(self.cache, rel))
        if not target.startswith(os.path.normpath(self.cache) + os.sep):
            raise PunjiError("koji: path %r leaves the download cache %s" % (rel, self.cache))
        return target


@contextlib.contextmanager
def _locked(target):
    """TARGET's lock held while the block runs; partial downloads of TARGET that a killed run
    left are removed (only the lock's holder downloads it)."""
    directory = os.path.dirname(target)
    os.makedirs(directory, exist_ok=True)
    with flock.held(target + ".lock"):
        for stale in glob.glob(os.path.join(glob.escape(directory),
                                            glob.escape(".%s." % os.path.basename(target)) + "*" + PARTIAL)):
            os.unlink(stale)
        yield
