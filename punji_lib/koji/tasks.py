"""Koji tasks: a logged-in session, submitting tasks, waiting for them, fetching their files.

The session is punji_lib.koji.Session (the profile's hub, retries of transient
errors with back-off) logged in with the profile's authtype:

    ssl                  ssl_login(cert, serverca)        SSL client certificate
    kerberos / gssapi    gssapi_login(principal, keytab)   GSSAPI
    password             login(user, password)             the profile's user and password keys
                                                           (test hubs, dev setups)
    none given           ssl when the profile's cert file exists, else gssapi

The image phases submit all their tasks first, then wait for all of them at
once: one multicall of getTaskInfo per poll, the poll interval doubling from
$PUNJI_KOJI_POLL_FIRST up to $PUNJI_KOJI_POLL_MAX seconds while nothing changes; a task's
submission and end, and the tasks still running once a minute, are progress lines on stderr. A task's files are
read from the hub's topdir when this machine sees it, else downloaded from
topurl; either way the copy's size must be the size the hub lists
(listTaskOutput with stat) and its SHA-256 is recorded. A failed task becomes
one line naming the task id, its method and the hub's error (the failed
child's, for a parent task).
"""

import os
import time

from ..errors import PunjiError
from ..log import Throttle, log, progress
from ..rpms.repos import file_checksum
from . import session as kojisession

FREE, OPEN, CLOSED, CANCELED, ASSIGNED, FAILED = range(6)
STATE_NAMES = {FREE: "FREE", OPEN: "OPEN", CLOSED: "CLOSED", CANCELED: "CANCELED", ASSIGNED: "ASSIGNED",
               FAILED: "FAILED"}
DONE = {CLOSED, CANCELED, FAILED}


def poll_delays():
    """(first, longest) seconds between polls: $PUNJI_KOJI_POLL_FIRST, $PUNJI_KOJI_POLL_MAX, read
    when a wait starts (a launcher's copy has the environment of the command it runs)."""
    return (float(os.environ.get("PUNJI_KOJI_POLL_FIRST", "0.25")),
            float(os.environ.get("PUNJI_KOJI_POLL_MAX", "30")))


# (session, task id) of every task this process created: what an interrupted command cancels
SUBMITTED = []


def cancel_open():
    """Cancel the tasks this process created that are still open (the command was interrupted);
    how many. The signal may have come in the middle of a call, so a fresh session logs in for
    it. A hub that cannot be reached or refuses is logged, never raised."""
    canceled = 0
    fresh = {}
    for old, task_id in SUBMITTED:
        try:
            if old.profile not in fresh:
                fresh[old.profile] = TaskSession(old.profile)
                fresh[old.profile].login()
            hub = fresh[old.profile].session
            info = hub.getTaskInfo(task_id)
            if info and info["state"] not in DONE:
                hub.cancelTask(task_id)
                log.warning("koji task %s canceled (the command was interrupted)", task_id)
                canceled += 1
        except Exception as exc:  # noqa: BLE001 - interrupted: cancel what can be canceled, say what could not
            log.warning("koji task %s could not be canceled: %s", task_id, kojisession.one_line(exc))
    del SUBMITTED[:]
    return canceled


class TaskSession(kojisession.Session):
    """A Session that can log in, submit tasks, wait for them and fetch their output."""

    def __init__(self, profile):
        import koji

        super().__init__(profile)
        self.config = koji.read_config(profile)
        self.user = None

    # -- authentication ---------------------------------------------------------------------

    def login(self):
        """Log in with the profile's authtype; the hub's user name."""
        config = self.config
        authtype = (config.get("authtype") or "").lower()
        if not authtype:
            cert = os.path.expanduser(config.get("cert") or "")
            authtype = "ssl" if cert and os.path.isfile(cert) else "gssapi"
        session = self.session
        if authtype == "ssl":
            cert = os.path.expanduser(config.get("cert") or "")
            if not cert or not os.path.isfile(cert):
                raise PunjiError("koji profile %s: authtype ssl needs a readable 'cert' file (got %r)"
                                 % (self.profile, config.get("cert")))
            serverca = os.path.expanduser(config.get("serverca") or "") or None
            attempt = lambda: session.ssl_login(cert, None, serverca)  # noqa: E731
        elif authtype in ("kerberos", "gssapi"):
            principal, keytab = config.get("principal"), config.get("keytab")
            attempt = lambda: session.gssapi_login(principal=principal, keytab=keytab)  # noqa: E731
        elif authtype == "password":
            section = profile_section(self.profile)
            if not section.get("user") or section.get("password") is None:
                raise PunjiError("koji profile %s: authtype password needs 'user' and 'password' in the profile"
                                 % self.profile)
            session.opts["user"], session.opts["password"] = section["user"], section["password"]
            attempt = session.login
        else:
            raise PunjiError("koji profile %s: authtype %r cannot submit tasks (use ssl, kerberos or password)"
                             % (self.profile, authtype))
        if not self._retrying("login (authtype %s)" % authtype, attempt):
            raise PunjiError("koji hub %s: login (authtype %s) refused" % (self.server, authtype))
        user = self.call("getLoggedInUser")
        if not user:
            raise PunjiError("koji hub %s: not logged in after login (authtype %s)" % (self.server, authtype))
        self.user = user.get("name")
        log.info("koji hub %s: logged in as %s (authtype %s)", self.server, self.user, authtype)
        return self.user

    # -- tasks ------------------------------------------------------------------------------

    def submit(self, method, *args, **kwargs):
        """Create a task with METHOD; its id. It is canceled if this process is interrupted
        before the task ends (cancel_open)."""
        task_id = self.call(method, *args, **kwargs)
        url = self.task_url(task_id)
        progress("koji task %s: %s submitted%s" % (task_id, method, " (%s)" % url if url else ""))
        SUBMITTED.append((self, task_id))
        return task_id

    def task_url(self, task_id):
        """The task's page on the hub's web site (the profile's weburl), or None."""
        weburl = self.config.get("weburl")
        return "%s/taskinfo?taskID=%s" % (weburl.rstrip("/"), task_id) if weburl else None

    def wait(self, task_ids, sleep=time.sleep):
        """Poll until every task of TASK_IDS is closed, failed or canceled; {id: taskinfo}."""
        pending = sorted(set(task_ids))
        done = {}
        seen = {}
        first, longest = poll_delays()
        delay = first
        throttle = Throttle()
        while pending:
            infos = self.multicall("getTaskInfo", [((t,), {"strict": True}) for t in pending])
            changed = False
            for task_id, info in zip(pending, infos):
                if seen.get(task_id) != info["state"]:
                    changed = True
                    seen[task_id] = info["state"]
                    line = "koji task %s (%s): %s" % (task_id, info.get("method"),
                                                      STATE_NAMES.get(info["state"], info["state"]))
                    if info["state"] in DONE:
                        progress(line)
                    else:
                        log.info(line)
                if info["state"] in DONE:
                    done[task_id] = info
            pending = [t for t in pending if t not in done]
            if pending and throttle.due():
                progress(_still_open(pending, throttle.seconds()))
            if pending:
                delay = first if changed else min(longest, delay * 2)
                sleep(delay)
        return done

    def children(self, task_id):
        return sorted(self.call("getTaskChildren", task_id) or [], key=lambda t: t["id"])

    def result(self, task_id):
        return self.call("getTaskResult", task_id)

    def error(self, task_id, info=None):
        """One line: why task TASK_ID failed (the hub's error of it or of its first failed child)."""
        import xmlrpc.client

        info = info or self.call("getTaskInfo", task_id)
        if info["state"] == CANCELED:
            return "koji task %s (%s) was canceled" % (task_id, info.get("method"))
        for child in self.children(task_id):
            if child["state"] in (FAILED, CANCELED):
                return "koji task %s (%s) failed: %s" % (task_id, info.get("method"), self.error(child["id"], child))
        try:
            self.session.getTaskResult(task_id)
            why = "no error given"
        except xmlrpc.client.Fault as fault:
            why = kojisession.describe(fault)
        except Exception as exc:  # noqa: BLE001 - the koji library raises its GenericError subclasses
            why = kojisession.one_line(exc)
        label = info.get("method") + (" %s" % info["arch"] if info.get("arch") and info["arch"] != "noarch" else "")
        return "koji task %s (%s): %s" % (task_id, label, why)

    def outputs(self, task_id):
        """{file name: size} the hub lists for task TASK_ID."""
        listing = self.call("listTaskOutput", task_id, stat=True)
        return {name: int(st["st_size"]) for name, st in listing.items()}

    def fetch(self, task_id, filename, target, link_type="hardlink-or-copy", sizes=None):
        """Put file FILENAME of task TASK_ID at TARGET (atomically); its sha256.
        From topdir (a link of LINK_TYPE) when this machine sees it, else from topurl."""
        sizes = self.outputs(task_id) if sizes is None else sizes
        if filename not in sizes:
            raise PunjiError("koji task %s: the hub lists no output file %s" % (task_id, filename))
        return self.fetch_file("%s/%s" % (self.task_dir(task_id), filename), target, link_type, sizes[filename],
                               "koji task %s" % task_id)

    def fetch_file(self, rel, target, link_type, size, owner):
        """Put file REL of the hub's storage (of OWNER, for errors) at TARGET atomically, checking
        it has SIZE bytes; its sha256."""
        from ..rpms import linker

        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = os.path.join(os.path.dirname(target), ".%s.part" % os.path.basename(target))
        if os.path.lexists(tmp):
            os.unlink(tmp)
        try:
            local = self.local(rel)
            if local:
                # a non-scratch task's outputs are symlinks into its build (koji's importImage
                # moves them there); a hard link of the symlink would dangle in the compose
                linker.link(os.path.realpath(local), tmp, link_type)
            elif not self.download(rel, tmp):
                raise PunjiError("%s: %s/%s is not on the hub's storage (404)" % (owner, self.topurl, rel))
            found = os.path.getsize(tmp)
            if found != size:
                raise PunjiError("%s: %s has %d bytes, the hub lists %d (a partial copy?)"
                                 % (owner, os.path.basename(rel), found, size))
            digest = file_checksum(tmp, "sha256")
            os.replace(tmp, target)
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)
        return digest


def _still_open(pending, seconds):
    """The progress line of a wait for the tasks PENDING after SECONDS."""
    shown = ", ".join(str(t) for t in pending[:5]) + (", ..." if len(pending) > 5 else "")
    return "koji: %d task%s still running after %d s (%s)" % (len(pending), "s" if len(pending) > 1 else "",
                                                             seconds, shown)


def profile_section(profile):
    """The raw keys of koji profile PROFILE (koji.read_config keeps only the ones it knows;
    'user' and 'password' of authtype password are read here), later files winning."""
    import koji

    parser = koji.read_config_files([os.path.expanduser(p) for p in (
        "/etc/koji.conf.d", "/etc/koji.conf", "~/.koji/config.d", "~/.koji/config")])
    return dict(parser.items(profile)) if parser.has_section(profile) else {}
