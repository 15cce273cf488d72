"""Talking to a Koji hub with the koji client library.

A session comes from a koji client profile, as the koji command reads it
(koji.read_config: /etc/koji.conf.d/*.conf, /etc/koji.conf, then
~/.koji/config.d/*.conf and ~/.koji/config; later files win). Bulk queries go
in multicalls. Transient failures (the hub offline, a dropped connection, an
HTTP 5xx answer) are retried with back-off, max_retries times, the wait
doubling from half a second up to retry_interval (both from the profile);
what still fails is one PunjiError naming the hub, the call and the cause.
Files of the hub's storage are read from the profile's topdir when this
machine sees it, else downloaded from its topurl.
"""

import os
import secrets
import time

from ..errors import PunjiError
from ..log import log

BATCH = 500  # calls per multiCall request
DOWNLOAD_TIMEOUT = 120
PARTIAL = ".part"  # the suffix of a download in progress


def one_line(exc):
    return " ".join(str(exc).split()) or exc.__class__.__name__


class Session:
    """A koji.ClientSession for PROFILE with retries; .topdir, .topurl and .pathinfo of its storage."""

    def __init__(self, profile):
        import koji

        if not profile:
            raise PunjiError("option 'koji_profile': needed to talk to Koji (the name of a koji client profile)")
        try:
            config = koji.read_config(profile)
        except koji.ConfigurationError as exc:
            raise PunjiError("option 'koji_profile': %s (koji reads /etc/koji.conf, /etc/koji.conf.d/*.conf, "
                             "~/.koji/config and ~/.koji/config.d/*.conf)" % one_line(exc))
        self.profile = profile
        self.server = config["server"]
        self.topdir = config["topdir"]
        self.topurl = config["topurl"]
        self.retries = max(0, int(config["max_retries"]))
        self.interval = max(0, int(config["retry_interval"]))
        options = koji.grab_session_options(config)
        # the retries are ours (with back-off, and one line at the end), not the library's
        options.update(max_retries=0, anon_retry=False, offline_retry=False)
        self.session = koji.ClientSession(self.server, options)
        self.pathinfo = koji.PathInfo(topdir=self.topdir)

    # -- calls --------------------------------------------------------------------------

    def call(self, method, *args, **kwargs):
        """The result of one hub call."""
        return self._retrying(method, lambda: getattr(self.session, method)(*args, **kwargs))

    def multicall(self, method, calls):
        """The results of METHOD for each (args, kwargs) of CALLS, in order, in multiCall batches."""
        calls = list(calls)
        if not calls:
            return []

        def attempt():
            results = []
            for start in range(0, len(calls), BATCH):
                m = self.session.multicall(strict=True)
                pending = [getattr(m, method)(*args, **kwargs) for args, kwargs in calls[start:start + BATCH]]
                m.call_all()
                results.extend(p.result for p in pending)
            return results

        return self._retrying("%s (%d calls)" % (method, len(calls)), attempt)

    def _retrying(self, what, attempt):
        tries = 0
        while True:
            tries += 1
            try:
                return attempt()
            except Exception as exc:  # noqa: BLE001 - sorted below into transient and final
                if not transient(exc):
                    raise PunjiError("koji hub %s: %s failed: %s" % (self.server, what, describe(exc)))
                if tries > self.retries:
                    raise PunjiError("koji hub %s: %s failed after %d tries: %s"
                                     % (self.server, what, tries, describe(exc)))
                delay = min(float(self.interval), 0.5 * 2 ** (tries - 1))
                log.info("koji hub %s: %s failed (%s); try %d of %d in %.1fs", self.server, what, describe(exc),
                         tries + 1, self.retries + 1, delay)
                time.sleep(delay)

    # -- files ----------------------------------------------------------------------------

    def build_dir(self, build):
        """packages/<name>/<version>/<release> (vol/<volume>/... for another volume): a build's
        directory relative to topdir/topurl."""
        volume = build.get("volume_name")
        top = "" if volume in (None, "DEFAULT") else "vol/%s/" % volume
        return top + "packages/%(name)s/%(version)s/%(release)s" % build

    def task_dir(self, task_id):
        """work/tasks/<id % 10000>/<id>: a task's output directory relative to topdir/topurl."""
        return "work/" + self.pathinfo.taskrelpath(task_id)

    def local(self, rel):
        """The file REL of the hub's storage under topdir, when it is readable here; else None."""
        path = os.path.join(self.topdir or "/nonexistent", rel)
        return path if os.path.isfile(path) and os.access(path, os.R_OK) else None

    def download(self, rel, target, check=None):
        """Fetch REL from topurl into TARGET: into a temporary name beside it, renamed into place
        once complete and CHECK(path) passes, so TARGET is never partial; False when the hub has
        no such file (404)."""
        if not self.topurl:
            raise PunjiError("koji profile %s: %s is not readable under topdir %s and the profile has no topurl"
                             % (self.profile, rel, self.topdir))
        url = self.topurl.rstrip("/") + "/" + rel
        os.makedirs(os.path.dirname(target), exist_ok=True)
        # not mkstemp: its files are private (0600), and a shared koji_cache is read by other users
        tmp = os.path.join(os.path.dirname(target), ".%s.%d.%s%s" % (os.path.basename(target), os.getpid(),
                                                                    secrets.token_hex(4), PARTIAL))
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        try:
            if not self._retrying("download of %s" % url, lambda: _fetch(url, tmp)):
                return False
            if check:
                try:
                    check(tmp)
                except PunjiError as exc:
                    raise PunjiError("koji: the copy of %s at topurl %s is not right: %s" % (rel, self.topurl, exc))
            os.replace(tmp, target)
            return True
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _fetch(url, path):
    """URL into PATH; False on 403/404/410; a ConnectionError when the answer is cut short."""
    import urllib.error
    import urllib.request

    try:
        with open(path, "wb") as out, urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as answer:
            size = answer.headers.get("Content-Length")
            got = 0
            while True:
                block = answer.read(1 << 20)
                if not block:
                    break
                out.write(block)
                got += len(block)
    except urllib.error.HTTPError as exc:
        if exc.code in (403, 404, 410):
            return False
        raise
    if size is not None and got != int(size):
        raise ConnectionError("the connection was closed after %d of %s bytes" % (got, size))
    return True


def transient(exc):
    """Whether EXC is worth another try: the hub offline, a connection or HTTP 5xx failure."""
    import http.client
    import urllib.error

    import koji
    import requests

    if isinstance(exc, koji.ServerOffline):
        return True
    if isinstance(exc, koji.GenericError):
        return False
    if isinstance(exc, requests.exceptions.HTTPError):
        return exc.response is not None and exc.response.status_code >= 500
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code >= 500
    return isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout, ConnectionError,
                            TimeoutError, urllib.error.URLError, OSError, http.client.IncompleteRead)) \
        or koji.is_conn_error(exc)


def describe(exc):
    import xmlrpc.client

    if isinstance(exc, xmlrpc.client.Fault):
        return one_line(exc.faultString)
    return "%s: %s" % (exc.__class__.__name__, one_line(exc))
