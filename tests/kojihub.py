"""A local Koji test hub: the koji client library talks to it unmodified.

An XML-RPC server on 127.0.0.1 (http.server + xmlrpc.server's dispatcher) answering
the hub calls punji makes, with koji's conventions: keyword arguments arrive as a
last dict with "__starstar", multiCall answers a list of [result] or fault dicts,
errors are faults with koji's fault codes. Its data are real RPMs in a Koji-style
storage tree (ROOT, the profile's topdir; served over HTTP as its topurl):

    packages/<name>/<version>/<release>/<arch>/<file>                 builds
    packages/<name>/<version>/<release>/data/signed/<key>/<arch>/<file>  signed copies
    work/tasks/<id % 10000>/<id>/<file>                               scratch task outputs

Every change (tagging, untagging, inheritance) is a new event, as in Koji, so
listTaggedRPMS(event=...) and tagChangedSinceEvent answer as a real hub does.
"""

import argparse
import contextlib
import fnmatch
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import xmlrpc.client
import xmlrpc.server

from kojihub_modules import ModuleBuilds

GENERIC_ERROR = 1000  # koji.GenericError.faultCode
SERVER_OFFLINE = 1014  # koji.ServerOffline.faultCode
PARAMETER_ERROR = 1019  # koji.ParameterError.faultCode


def read_header(path):
    import rpm

    ts = rpm.TransactionSet("", rpm._RPMVSF_NOSIGNATURES | rpm._RPMVSF_NODIGESTS)
    fd = os.open(path, os.O_RDONLY)
    try:
        return ts.hdrFromFdno(fd)
    finally:
        os.close(fd)


def source_arch(hdr):
    """Koji's arch of a source package: nosrc when it leaves out a source or patch."""
    import rpm

    return "nosrc" if hdr[rpm.RPMTAG_NOSOURCE] or hdr[rpm.RPMTAG_NOPATCH] else "src"


def decode(params):
    """koji.encode_args undone: (args, kwargs)."""
    if params and isinstance(params[-1], dict) and params[-1].get("__starstar"):
        kwargs = dict(params[-1])
        del kwargs["__starstar"]
        return params[:-1], kwargs
    return params, {}


class Hub(ModuleBuilds):
    """The hub's data, the fixture calls that change it, and the XML-RPC calls."""

    def __init__(self, root):
        self.root = str(root)
        os.makedirs(self.root, exist_ok=True)
        self.lock = threading.RLock()
        self.event = 1000
        self.events = {self.event: time.time()}
        self.tags = {}  # id -> taginfo
        self.links = []  # {child_id, parent_id, priority, create_event, revoke_event}
        self.builds = {}  # id -> buildinfo
        self.rpms = {}  # id -> rpminfo
        self.sigs = {}  # rpm id -> {sigkey: sighash}
        self.taggings = []  # {tag_id, build_id, create_event, revoke_event}
        self.package_list = []  # {tag_id, name, blocked, create_event, revoke_event}
        self.tasks = {}  # id -> taskinfo (+ "outputs")
        self.failures = 0  # the next calls that answer ServerOffline
        self.calls = []  # method names, in order (multiCall's calls too)
        self.afterwards = {}  # method -> action run once after the first request calling it

    # -- fixture side -------------------------------------------------------------------

    def _new_event(self):
        self.event += 1
        self.events[self.event] = time.time()
        return self.event

    def add_tag(self, name, parents=()):
        """A tag NAME inheriting from PARENTS (names, in priority order)."""
        with self.lock:
            tag_id = len(self.tags) + 1
            self.tags[tag_id] = {"id": tag_id, "name": name, "arches": "x86_64 i686", "locked": False,
                                 "perm": None, "perm_id": None, "maven_support": False,
                                 "maven_include_all": False, "extra": {}}
            for priority, parent in enumerate(parents):
                self.add_inheritance(name, parent, priority * 10)
            return tag_id

    def add_inheritance(self, child, parent, priority=0):
        with self.lock:
            self.links.append({"child_id": self._tag(child)["id"], "parent_id": self._tag(parent)["id"],
                               "priority": priority, "create_event": self._new_event(), "revoke_event": None})

    def import_rpms(self, paths):
        """Builds of the RPMs PATHS (grouped by source package), stored in the packages tree;
        [buildinfo], one per source RPM NVR."""
        import rpm

        groups = {}
        for path in sorted(str(p) for p in paths):
            hdr = read_header(path)
            if hdr[rpm.RPMTAG_SOURCEPACKAGE]:
                nvr = "%s-%s-%s" % (hdr[rpm.RPMTAG_NAME], hdr[rpm.RPMTAG_VERSION], hdr[rpm.RPMTAG_RELEASE])
            else:
                nvr = hdr[rpm.RPMTAG_SOURCERPM].rsplit(".", 2)[0]  # N-V-R.src.rpm or N-V-R.nosrc.rpm
            groups.setdefault(nvr, []).append((path, hdr))
        result = []
        with self.lock:
            for nvr in sorted(groups):
                result.append(self._import_build(nvr, groups[nvr]))
        return result

    def _import_build(self, nvr, files):
        import rpm

        name, version, release = nvr.rsplit("-", 2)
        build_id = len(self.builds) + 1
        epoch = files[0][1][rpm.RPMTAG_EPOCH]
        build = {"id": build_id, "build_id": build_id, "name": name, "version": version, "release": release,
                 "epoch": epoch, "nvr": nvr, "state": 1, "package_id": build_id, "package_name": name,
                 "volume_id": 0, "volume_name": "DEFAULT", "owner_id": 1, "owner_name": "punji",
                 "task_id": None, "creation_time": "2024-01-01 00:00:00", "creation_ts": 1704067200.0,
                 "completion_ts": 1704067200.0, "draft": False, "extra": None}
        self.builds[build_id] = build
        for path, hdr in files:
            arch = source_arch(hdr) if hdr[rpm.RPMTAG_SOURCEPACKAGE] else hdr[rpm.RPMTAG_ARCH]
            rpm_id = len(self.rpms) + 1
            info = {"id": rpm_id, "name": hdr[rpm.RPMTAG_NAME], "version": hdr[rpm.RPMTAG_VERSION],
                    "release": hdr[rpm.RPMTAG_RELEASE], "epoch": hdr[rpm.RPMTAG_EPOCH], "arch": arch,
                    "build_id": build_id, "buildroot_id": None, "buildtime": hdr[rpm.RPMTAG_BUILDTIME],
                    "payloadhash": hdr[rpm.RPMTAG_SIGMD5].hex(), "size": os.path.getsize(path),
                    "external_repo_id": 0, "external_repo_name": "INTERNAL", "metadata_only": False,
                    "extra": None, "draft": False}
            info["nvr"] = "%(name)s-%(version)s-%(release)s" % info
            self.rpms[rpm_id] = info
            self.sigs[rpm_id] = {}
            target = os.path.join(self.build_dir(build), arch, "%(nvr)s.%(arch)s.rpm" % info)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            _link_or_copy(path, target)
        return build

    def build_dir(self, build):
        return os.path.join(self.root, "packages", build["name"], build["version"], build["release"])

    def build(self, nvr):
        return next(b for b in self.builds.values() if b["nvr"] == nvr)

    def rpm_path(self, info, sigkey=None):
        build = self.builds[info["build_id"]]
        rel = "%(arch)s/%(nvr)s.%(arch)s.rpm" % info
        return os.path.join(self.build_dir(build), "data/signed/%s" % sigkey if sigkey else "", rel)

    def tag_build(self, tag, nvr):
        with self.lock:
            self.taggings.append({"tag_id": self._tag(tag)["id"], "build_id": self.build(nvr)["id"],
                                  "create_event": self._new_event(), "revoke_event": None})

    def untag_build(self, tag, nvr):
        with self.lock:
            tag_id, build_id = self._tag(tag)["id"], self.build(nvr)["id"]
            for t in self.taggings:
                if (t["tag_id"], t["build_id"]) == (tag_id, build_id) and t["revoke_event"] is None:
                    t["revoke_event"] = self._new_event()

    def block_package(self, tag, name):
        """Block package NAME in TAG (koji block-pkg): neither TAG nor a tag inheriting from it
        lists its builds, unless a tag nearer in the inheritance unblocks it."""
        with self.lock:
            self.package_list.append({"tag_id": self._tag(tag)["id"], "name": name, "blocked": True,
                                      "create_event": self._new_event(), "revoke_event": None})

    def unblock_package(self, tag, name):
        """koji unblock-pkg: the block of NAME in TAG revoked; a block TAG inherits overridden by
        an unblocked entry of TAG."""
        with self.lock:
            tag_id = self._tag(tag)["id"]
            own = [e for e in self.package_list
                   if (e["tag_id"], e["name"]) == (tag_id, name) and e["revoke_event"] is None]
            event = self._new_event()
            for entry in own:
                entry["revoke_event"] = event
            if not any(e["blocked"] is False for e in own):
                self.package_list.append({"tag_id": tag_id, "name": name, "blocked": False,
                                          "create_event": event, "revoke_event": None})

    def _blocked(self, tag_id, name, event):
        """Whether NAME is blocked in TAG_ID's package list at EVENT: the entry of the nearest tag
        of its inheritance that has one (koji reads the package list with inheritance always)."""
        order = [tag_id] + [ln["parent_id"] for ln in self.getFullInheritance(tag_id, event)]
        for tid in order:
            entries = [e for e in self.package_list
                       if (e["tag_id"], e["name"]) == (tid, name) and _active(e, event)]
            if entries:
                return max(entries, key=lambda e: e["create_event"])["blocked"]
        return False

    def sign(self, nvr, signer, write=True):
        """Sign every RPM of build NVR with SIGNER (a Signer): Koji records the signature and,
        with WRITE, the signed copies are in data/signed/<key>/ (as koji write-signed-rpm)."""
        with self.lock:
            build = self.build(nvr)
            infos = [r for r in self.rpms.values() if r["build_id"] == build["id"]]
            copies = []
            for info in infos:
                self.sigs[info["id"]][signer.sigkey] = "%032x" % info["id"]
                if write:
                    target = self.rpm_path(info, signer.sigkey)
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    shutil.copyfile(self.rpm_path(info), target)
                    copies.append(target)
            if copies:
                signer.sign(copies)

    def prune_signed(self, nvr, signer):
        """koji prune-signed-copies: the copies of build NVR's RPMs signed by SIGNER (a Signer)
        deleted; Koji keeps the signatures recorded."""
        with self.lock:
            build = self.build(nvr)
            for info in (r for r in self.rpms.values() if r["build_id"] == build["id"]):
                path = self.rpm_path(info, signer.sigkey)
                if os.path.exists(path):
                    os.unlink(path)

    def add_scratch_task(self, paths, state=2):
        """A scratch build task (method build) with one buildArch child task whose outputs are
        the RPMs PATHS; the parent's id."""
        with self.lock:
            parent = self._task("build", None, state)
            child = self._task("buildArch", parent, state)
            outdir = os.path.join(self.root, "work", "tasks", str(child % 10000), str(child))
            os.makedirs(outdir, exist_ok=True)
            for path in paths:
                _link_or_copy(str(path), os.path.join(outdir, os.path.basename(str(path))))
                self.tasks[child]["outputs"].append(os.path.basename(str(path)))
            self.tasks[child]["outputs"].append("build.log")
            with open(os.path.join(outdir, "build.log"), "w") as f:
                f.write("built\n")
            return parent

    def _task(self, method, parent, state):
        task_id = 90000 + len(self.tasks) + 1
        self.tasks[task_id] = {"id": task_id, "method": method, "state": state, "parent": parent,
                               "arch": "noarch", "label": None, "owner": 1, "priority": 20,
                               "create_ts": 1704067200.0, "completion_ts": 1704067300.0, "outputs": []}
        return task_id

    def after_call(self, method, action):
        """Run ACTION once, after the first request (a whole multiCall) that calls METHOD."""
        with self.lock:
            self.afterwards[method] = action

    def fail_next(self, count):
        """The next COUNT requests answer ServerOffline (a hub in maintenance)."""
        with self.lock:
            self.failures = count

    def _tag(self, tag_info):
        for tag in self.tags.values():
            if tag_info in (tag["id"], tag["name"]):
                return tag
        raise xmlrpc.client.Fault(GENERIC_ERROR, "No such tagInfo: %r" % (tag_info,))

    # -- hub calls ------------------------------------------------------------------------

    def getAPIVersion(self):
        return 1

    def getKojiVersion(self):
        return "1.36.1"

    def getLastEvent(self, before=None):
        return {"id": self.event, "ts": self.events[self.event]}

    def getEvent(self, id, strict=True):
        if id not in self.events:
            if strict:
                raise xmlrpc.client.Fault(GENERIC_ERROR, "query returned no rows")
            return None
        return {"id": id, "ts": self.events[id]}

    def getTag(self, tagInfo, strict=False, event=None, blocked=False):
        try:
            return dict(self._tag(tagInfo))
        except xmlrpc.client.Fault:
            if strict:
                raise
            return None

    def getFullInheritance(self, tag, event=None, reverse=False):
        start = self._tag(tag)["id"]
        result, seen = [], {start}

        def walk(tag_id, depth):
            for link in sorted(self._links(tag_id, event), key=lambda ln: ln["priority"]):
                if link["parent_id"] in seen:
                    continue
                seen.add(link["parent_id"])
                result.append({"child_id": tag_id, "parent_id": link["parent_id"], "currdepth": depth,
                               "name": self.tags[link["parent_id"]]["name"], "priority": link["priority"],
                               "maxdepth": None, "intransitive": False, "noconfig": False,
                               "pkg_filter": "", "filter": []})
                walk(link["parent_id"], depth + 1)

        walk(start, 1)
        return result

    def _links(self, tag_id, event):
        return [ln for ln in self.links if ln["child_id"] == tag_id and _active(ln, event)]

    def listTaggedRPMS(self, tag, event=None, inherit=False, latest=False, package=None, arch=None,
                       rpmsigs=False, owner=None, type=None, extra=True, draft=None):
        tag_id = self._tag(tag)["id"]
        order = [tag_id] + ([ln["parent_id"] for ln in self.getFullInheritance(tag_id, event)] if inherit else [])
        arches = None if arch is None else ({arch} if isinstance(arch, str) else set(arch))
        builds, seen, names = [], set(), set()
        for tid in order:
            here = sorted((t for t in self.taggings if t["tag_id"] == tid and _active(t, event)),
                          key=lambda t: -t["create_event"])
            found = set()
            for tagging in here:
                build = self.builds[tagging["build_id"]]
                if package and build["name"] != package:
                    continue
                if self._blocked(tag_id, build["name"], event):
                    continue
                if latest and (build["name"] in names or build["name"] in found):
                    continue
                found.add(build["name"])
                if build["id"] in seen:
                    continue
                seen.add(build["id"])
                builds.append(dict(build, tag_id=tid, tag_name=self.tags[tid]["name"],
                                   create_event=tagging["create_event"]))
            names |= found
        ids = {b["id"] for b in builds}
        rpms = [dict(r) for r in self.rpms.values()
                if r["build_id"] in ids and (arches is None or r["arch"] in arches)]
        return [sorted(rpms, key=lambda r: r["id"]), builds]

    def tagChangedSinceEvent(self, event, taglist):
        tags = set(taglist)
        changes = [t for t in self.taggings if t["tag_id"] in tags]
        changes += [ln for ln in self.links if ln["child_id"] in tags]
        changes += [e for e in self.package_list if e["tag_id"] in tags]
        return any(c["create_event"] > event or (c["revoke_event"] or 0) > event for c in changes)

    def queryHistory(self, tables=None, tag=None, afterEvent=None, beforeEvent=None):
        """koji's queryHistory of TAG's tag_listing and tag_inheritance (what Pungi's package set
        reuse asks): the entries created or revoked after afterEvent and before beforeEvent."""
        tag_id = self._tag(tag)["id"]

        def between(event):
            return event is not None and (afterEvent is None or event > afterEvent) \
                and (beforeEvent is None or event < beforeEvent)

        entries = {"tag_listing": [t for t in self.taggings if t["tag_id"] == tag_id],
                   "tag_inheritance": [ln for ln in self.links if ln["child_id"] == tag_id]}
        return {table: [dict(e) for e in found if between(e["create_event"]) or between(e["revoke_event"])]
                for table, found in entries.items() if tables is None or table in tables}

    def getBuild(self, buildInfo, strict=False):
        for build in self.builds.values():
            if buildInfo in (build["id"], build["nvr"]):
                return dict(build)
        if strict:
            raise xmlrpc.client.Fault(GENERIC_ERROR, "No such build: %r" % (buildInfo,))
        return None

    def getRPM(self, rpminfo, strict=False, multi=False):
        """The RPM of RPMINFO (an id or an N-V-R.A string), or None."""
        for info in self.rpms.values():
            if rpminfo in (info["id"], "%(nvr)s.%(arch)s" % info):
                return dict(info)
        if strict:
            raise xmlrpc.client.Fault(GENERIC_ERROR, "No such rpm: %r" % (rpminfo,))
        return None

    def listRPMs(self, buildID=None, buildrootID=None, imageID=None, componentBuildrootID=None, hostID=None,
                 arches=None, queryOpts=None, draft=None):
        if buildID is None:
            raise xmlrpc.client.Fault(PARAMETER_ERROR, "this test hub lists RPMs by buildID only")
        wanted = None if arches is None else ({arches} if isinstance(arches, str) else set(arches))
        return [dict(r) for r in sorted(self.rpms.values(), key=lambda r: r["id"])
                if r["build_id"] == buildID and (wanted is None or r["arch"] in wanted)]

    def queryRPMSigs(self, rpm_id=None, sigkey=None, queryOpts=None):
        ids = sorted(self.sigs) if rpm_id is None else [rpm_id]
        return [{"rpm_id": i, "sigkey": key, "sighash": sighash}
                for i in ids for key, sighash in sorted(self.sigs.get(i, {}).items())
                if sigkey is None or key == sigkey]

    def listBuildRPMs(self, build):
        """The RPMs of BUILD (id or NVR), as Pungi's pkgset_koji_builds asks; a missing build is
        an error (the hub looks it up strictly)."""
        info = self.getBuild(build, strict=True)
        return self.listRPMs(buildID=info["id"])

    def getTaskInfo(self, task_id, request=False, strict=False):
        task = self.tasks.get(_task_id(task_id))
        if task is None:
            if strict:
                raise xmlrpc.client.Fault(GENERIC_ERROR, "No such task: %r" % (task_id,))
            return None
        return {k: v for k, v in task.items() if k != "outputs"}

    def getTaskChildren(self, task_id, request=False, strict=False):
        return [self.getTaskInfo(t) for t in sorted(self.tasks) if self.tasks[t]["parent"] == _task_id(task_id)]

    def getTaskResult(self, task_id, raise_fault=True):
        """A closed buildArch task's result: its RPM outputs relative to the work directory."""
        task_id = _task_id(task_id)
        task = self.tasks.get(task_id)
        if task is None or task["state"] != 2:
            raise xmlrpc.client.Fault(GENERIC_ERROR, "Task %r is not closed" % (task_id,))
        rel = "tasks/%d/%d" % (task_id % 10000, task_id)
        rpms = ["%s/%s" % (rel, f) for f in task["outputs"] if f.endswith(".rpm")]
        return {"rpms": [r for r in rpms if not r.endswith(".src.rpm")],
                "srpms": [r for r in rpms if r.endswith(".src.rpm")], "logs": ["%s/build.log" % rel]}

    def listTaskOutput(self, taskID, stat=False, all_volumes=False, strict=False):
        taskID = _task_id(taskID)
        if taskID not in self.tasks:
            raise xmlrpc.client.Fault(GENERIC_ERROR, "No such task: %r" % (taskID,))
        return sorted(self.tasks[taskID]["outputs"])


def _task_id(value):
    """A task id as Koji's hub takes one: a number, or a string of digits (convert_id)."""
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _active(record, event):
    if event is None:
        return record["revoke_event"] is None
    return record["create_event"] <= event and (record["revoke_event"] is None or record["revoke_event"] > event)


def _link_or_copy(source, target):
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


class Dispatcher(xmlrpc.server.SimpleXMLRPCDispatcher):
    """The hub's XML-RPC: koji's keyword-argument encoding and its multiCall."""

    def __init__(self, hub):
        super().__init__(allow_none=True, encoding="utf-8", use_builtin_types=True)
        self.hub = hub
        self.register_function(self.multiCall, "multiCall")

    def _dispatch(self, method, params):
        try:
            return self._answer(method, params)
        finally:
            names = [c.get("methodName") for c in params[0]] if method == "multiCall" and params else [method]
            with self.hub.lock:
                for name in names:
                    action = self.hub.afterwards.pop(name, None)
                    if action:
                        action()

    def _answer(self, method, params):
        hub = self.hub
        with hub.lock:
            if method != "multiCall":
                hub.calls.append(method)
            if hub.failures:
                hub.failures -= 1
                raise xmlrpc.client.Fault(SERVER_OFFLINE, "server is offline (test hub)")
        if method == "multiCall":
            return self.multiCall(*params)
        function = getattr(hub, method, None)
        if method.startswith("_") or not callable(function) or method in FIXTURE_CALLS:
            raise xmlrpc.client.Fault(GENERIC_ERROR, "Invalid method: %s" % method)
        args, kwargs = decode(params)
        with hub.lock:
            try:
                return function(*args, **kwargs)
            except TypeError as exc:
                raise xmlrpc.client.Fault(PARAMETER_ERROR, "%s: %s" % (method, exc))

    def multiCall(self, calls):
        """koji's multiCall: [result] per call, or {"faultCode", "faultString", "traceback"}."""
        results = []
        for call in calls:
            try:
                with self.hub.lock:
                    self.hub.calls.append(call["methodName"])
                function = getattr(self.hub, call["methodName"], None)
                if call["methodName"].startswith("_") or not callable(function) \
                        or call["methodName"] in FIXTURE_CALLS:
                    raise xmlrpc.client.Fault(GENERIC_ERROR, "Invalid method: %s" % call["methodName"])
                args, kwargs = decode(call["params"])
                with self.hub.lock:
                    try:
                        results.append([function(*args, **kwargs)])
                    except TypeError as exc:
                        raise xmlrpc.client.Fault(PARAMETER_ERROR, "%s: %s" % (call["methodName"], exc))
            except xmlrpc.client.Fault as fault:
                results.append({"faultCode": fault.faultCode, "faultString": fault.faultString, "traceback": []})
        return results


FIXTURE_CALLS = {"add_tag", "add_inheritance", "import_rpms", "build_dir", "build", "rpm_path", "tag_build",
                 "untag_build", "block_package", "unblock_package", "sign", "add_scratch_task", "fail_next", "after_call"} | ModuleBuilds.FIXTURE_CALLS


class Handler(http.server.BaseHTTPRequestHandler):
    dispatcher = None

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer = self.dispatcher._marshaled_dispatch(body)
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving(hub, dispatcher=Dispatcher):
    """Run HUB's XML-RPC server on 127.0.0.1 while the block runs; yields its URL."""
    handler = type("HubHandler", (Handler,), {"dispatcher": dispatcher(hub)})
    with listening(handler) as url:
        yield url + "kojihub"


@contextlib.contextmanager
def listening(handler, tls=None):
    """Run an HTTP server with HANDLER on 127.0.0.1 in a thread while the block runs (HTTPS with
    the certificate and key file TLS); yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls:
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield "%s://127.0.0.1:%d/" % ("https" if tls else "http", server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def write_profile(home, profile, server, topdir, topurl, retries=2):
    """~/.koji/config.d/<profile>.conf under HOME: where koji.read_config finds a user's profiles."""
    directory = os.path.join(str(home), ".koji", "config.d")
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "%s.conf" % profile), "w") as f:
        f.write("[%s]\nserver = %s\ntopdir = %s\ntopurl = %s\nmax_retries = %d\nretry_interval = 0\n"
                "anon_retry = true\n" % (profile, server, topdir, topurl, retries))


class Signer:
    """A gpg key made in DIRECTORY and rpmsign with it; .sigkey is its Koji key id (8 hex digits).
    RPMV3 adds the header+payload signature beside the header-only one (rpmsign --rpmv3), as
    Fedora's and RHEL's signed packages carry it: only then does Pungi list the key in rpms.json."""

    def __init__(self, directory, name="Punji Koji Test", rpmv3=True):
        self.rpmv3 = rpmv3
        self.home = str(directory)
        os.makedirs(self.home, mode=0o700, exist_ok=True)
        self.name = name
        self.env = dict(os.environ, GNUPGHOME=self.home)
        subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "%s <test@punji.example>" % name,
                        "rsa2048", "sign", "never"], env=self.env, check=True, capture_output=True)
        listing = subprocess.run(["gpg", "--with-colons", "--list-keys"], env=self.env, check=True,
                                 capture_output=True, text=True).stdout
        key_id = next(line.split(":")[4] for line in listing.splitlines() if line.startswith("pub:"))
        self.sigkey = key_id[-8:].lower()

    def stop_agent(self):
        """End the gpg-agent that gpg started for this key's home."""
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=self.env, check=False, capture_output=True)

    def sign(self, paths):
        subprocess.run(["rpmsign", "--addsign"] + (["--rpmv3"] if self.rpmv3 else []) + ["--define", "_gpg_name %s" % self.name,
                        "--define", "_gpg_path %s" % self.home, "--define", "__gpg %s" % shutil.which("gpg")]
                       + [str(p) for p in paths], env=self.env, check=True, capture_output=True,
                       stdin=subprocess.DEVNULL)


class Files:
    """What the topurl server of serving_files did: .gets counts the GETs of each path;
    paths in .cut are answered with their full Content-Length but only half their bytes."""

    def __init__(self):
        self.gets = {}
        self.cut = set()
        self.lock = threading.Lock()


@contextlib.contextmanager
def serving_files(root):
    """Serve the storage ROOT over HTTP (a topurl) while the block runs; yields (url, Files)."""
    files = Files()

    class FileHandler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self):
            rel = self.path.lstrip("/")
            with files.lock:
                files.gets[rel] = files.gets.get(rel, 0) + 1
            if rel not in files.cut:
                return super().do_GET()
            with open(os.path.join(str(root), rel), "rb") as f:
                data = f.read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:len(data) // 2])
            self.close_connection = True

        def log_message(self, *args):
            pass

    with listening(FileHandler) as url:
        yield url, files


# -- a standalone hub for tools/fidelity --------------------------------------------------
#
# python tests/kojihub.py serve --fixture FILE --root DIR --home DIR --ready FILE
# serves a hub whose tags, builds and signatures FILE (JSON) describes until SIGTERM, with the
# koji profile under DIR's HOME; FILE's paths are relative to its directory. FILE holds:
#   "profile": the profile name; "signers": names of gpg keys made for this run;
#   "rpmv3": true (or a list of signer names) to sign with header+payload signatures too (kobo
#     0.20, which Pungi 4.3.2 reads RPMs with, sees no key in a header-only signature: rpms.json
#     says sigkey null);
#   "tags": [{"name", "parents": [names, in priority order]}];
#   "steps": applied in order (Koji's "latest" is the last tagged), one of
#     {"import": DIR, "tag": TAG}: the builds of the RPMs in DIR, tagged into TAG if given;
#     {"tag": TAG, "builds": [NVR globs]}: tag builds already imported;
#     {"untag": TAG, "builds": [NVR globs]};
#     {"sign": SIGNER, "builds": [NVR globs]}: signed copies written as Koji's write-signed-rpm
#       ("write": false: the signature recorded only, no signed copy written yet);
#     {"prune": SIGNER, "builds": [NVR globs]}: their copies signed by SIGNER deleted, the
#       signatures kept (koji prune-signed-copies);
#     {"block"|"unblock": TAG, "packages": [names]}: TAG's package list (koji block-pkg/unblock-pkg);
#     {"scratch": [RPM paths]}: a closed scratch build task with those outputs (task ids 90001,
#       90003, ...: a parent and its buildArch child each);
#     {"modules": YAML, "tag": TAG}: a module build of each stream of the modulemd file YAML
#       (its content tag tags the stream's RPM builds, imported before), tagged into TAG;
#     {"module": {"name", "stream", "version", "context"}, "files": {archive name: path},
#       "content": [NVRs], "tags": [TAG], "state": 1, "future": false}: one module build, its
#       content tag tagging CONTENT ("future": finished after any compose's event).
#   "update": steps applied when the hub gets SIGUSR1 (a product's `update` between its two
#     composes), READY.updated written after them.
# The READY file is written once the hub answers: {"url", "topdir", "profile", "sigkeys":
# {signer: key id}, "pid"}. Every call is appended to ROOT/calls.txt as it arrives (multiCall's
# calls one by one): "method [args] {kwargs}".


def _step_import(hub, step, base, signers):
    directory = os.path.join(base, step["import"])
    paths = sorted(os.path.join(directory, f) for f in os.listdir(directory) if f.endswith(".rpm"))
    if not paths:
        raise SystemExit("kojihub: no RPMs in %s" % directory)
    for build in hub.import_rpms(paths):
        if step.get("tag"):
            hub.tag_build(step["tag"], build["nvr"])


def _matching(hub, patterns):
    nvrs = [b["nvr"] for b in sorted(hub.builds.values(), key=lambda b: b["id"])]
    found = [n for n in nvrs if any(fnmatch.fnmatchcase(n, p) for p in patterns)]
    if not found:
        raise SystemExit("kojihub: no build matches %s" % patterns)
    return found


def _step_tag(hub, step, base, signers):
    for nvr in _matching(hub, step["builds"]):
        hub.tag_build(step["tag"], nvr)


def _step_untag(hub, step, base, signers):
    for nvr in _matching(hub, step["builds"]):
        hub.untag_build(step["untag"], nvr)


def _step_sign(hub, step, base, signers):
    for nvr in _matching(hub, step["builds"]):
        hub.sign(nvr, signers[step["sign"]], write=step.get("write", True))


def _step_prune(hub, step, base, signers):
    for nvr in _matching(hub, step["builds"]):
        hub.prune_signed(nvr, signers[step["prune"]])


def _step_block(hub, step, base, signers):
    for name in step["packages"]:
        hub.block_package(step["block"], name)


def _step_unblock(hub, step, base, signers):
    for name in step["packages"]:
        hub.unblock_package(step["unblock"], name)


def _step_scratch(hub, step, base, signers):
    hub.add_scratch_task([os.path.join(base, p) for p in step["scratch"]])


def logging_dispatcher(path, delay=0.0):
    """A Dispatcher class appending each call it answers to the file PATH, each answer DELAY
    seconds late (a loaded hub: a compose killed then is killed with its calls in flight)."""

    class LoggingDispatcher(Dispatcher):
        def _answer(self, method, params):
            time.sleep(delay)
            calls = [(c.get("methodName"), c.get("params", [])) for c in params[0]] \
                if method == "multiCall" and params else [(method, params)]
            with open(path, "a") as f:
                for name, call_params in calls:
                    args, kwargs = decode(call_params)
                    f.write("%s %s %s\n" % (name, json.dumps(list(args), default=str),
                                             json.dumps(kwargs, default=str, sort_keys=True)))
            return super()._answer(method, params)

    return LoggingDispatcher


def _step_modules(hub, step, base, signers):
    """A module build of each stream of a modulemd YAML file (as MBS imports them, the stream's
    RPM builds tagged into its content tag), tagged into TAG."""
    from test_pkgset_koji_modules import import_module, rpm_builds, stream_documents

    for _key, stream in sorted(stream_documents(os.path.join(base, step["modules"])).items()):
        hub.tag_build(step["tag"], import_module(hub, stream, rpm_builds(stream))["nvr"])


def _step_module(hub, step, base, signers):
    """One module build as MBS imports one: its content tag tags the RPM builds "content", its
    "module" archives are "files" ({archive name: path}); tagged into "tags"."""
    info = step["module"]
    content_tag = "module-%(name)s-%(stream)s-%(version)s-%(context)s" % info
    hub.add_tag(content_tag)
    for nvr in step.get("content", []):
        hub.tag_build(content_tag, nvr)
    files = {}
    for name, path in sorted(step["files"].items()):
        with open(os.path.join(base, path)) as f:
            files[name] = f.read()
    finished = time.time() + 10 ** 7 if step.get("future") else None
    build = hub.add_module_build(info["name"], info["stream"], str(info["version"]), info["context"], content_tag,
                                 files, state=step.get("state", 1), completion_ts=finished)
    for tag in step.get("tags", []):
        hub.tag_build(tag, build["nvr"])


# "tag" comes last: the import and modules steps name a tag too
FIXTURE_STEPS = {"import": _step_import, "untag": _step_untag, "sign": _step_sign, "modules": _step_modules,
                 "module": _step_module,
                 "block": _step_block, "unblock": _step_unblock, "scratch": _step_scratch, "tag": _step_tag,
                 "prune": _step_prune}


def load_fixture(hub, path, gpg_dir, signers):
    """Apply the fixture file PATH to HUB; the keys it names are made under GPG_DIR and added to
    SIGNERS ({name: Signer}) as they are made. The fixture's content."""
    with open(path) as f:
        fixture = json.load(f)
    rpmv3 = fixture.get("rpmv3", False)
    for name in fixture.get("signers", []):
        signers[name] = Signer(os.path.join(gpg_dir, name), "Punji Fidelity %s" % name,
                               name in rpmv3 if isinstance(rpmv3, list) else bool(rpmv3))
    for tag in fixture.get("tags", []):
        hub.add_tag(tag["name"], parents=tag.get("parents", ()))
    apply_steps(hub, fixture.get("steps", []), path, signers)
    return fixture


def apply_steps(hub, steps, path, signers):
    """Apply STEPS of the fixture file PATH to HUB (FIXTURE_STEPS)."""
    base = os.path.dirname(os.path.abspath(path))
    for step in steps:
        kind = next((k for k in FIXTURE_STEPS if k in step), None)
        if kind is None:
            raise SystemExit("kojihub: %s: unknown step %s" % (path, step))
        FIXTURE_STEPS[kind](hub, step, base, signers)


def serve_main(argv):
    """The serve command: the hub of a fixture file until SIGTERM."""
    parser = argparse.ArgumentParser(prog="kojihub.py serve")
    parser.add_argument("--fixture", required=True)
    parser.add_argument("--root", required=True, help="a new directory: the hub's storage, gpg keys")
    parser.add_argument("--home", required=True, help="where the koji profile is written (HOME)")
    parser.add_argument("--ready", required=True, help="JSON written once the hub answers")
    parser.add_argument("--call-delay", type=float, default=0.0, help="seconds each call waits before its answer")
    args = parser.parse_args(argv)
    root = os.path.abspath(args.root)
    if os.path.exists(root):
        shutil.rmtree(root)
    hub = Hub(os.path.join(root, "storage"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signers = {}
    try:
        fixture = load_fixture(hub, args.fixture, os.path.join(root, "gpg"), signers)
        signal.signal(signal.SIGUSR1, lambda *_: _update(hub, fixture, args, signers))
        _serve(hub, fixture, signers, args, os.path.join(root, "calls.txt"))
    finally:
        for signer in signers.values():
            signer.stop_agent()


def _update(hub, fixture, args, signers):
    """On SIGUSR1: the fixture's "update" steps applied (between two composes), then READY.updated
    written."""
    apply_steps(hub, fixture.get("update", []), args.fixture, signers)
    with open(args.ready + ".updated", "w") as f:
        f.write("%d\n" % hub.event)


def _serve(hub, fixture, signers, args, calls):
    with serving(hub, logging_dispatcher(calls, args.call_delay)) as url, serving_files(hub.root) as (topurl, _):
        profile = fixture.get("profile", "fidelity")
        write_profile(args.home, profile, url, hub.root, topurl)
        info = {"url": url, "topdir": hub.root, "profile": profile, "pid": os.getpid(),
                "sigkeys": {name: s.sigkey for name, s in signers.items()}}
        with open(args.ready + ".tmp", "w") as f:
            json.dump(info, f, indent=2)
        os.rename(args.ready + ".tmp", args.ready)
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    if sys.argv[1:2] != ["serve"]:
        raise SystemExit("usage: kojihub.py serve --fixture FILE --root DIR --home DIR --ready FILE")
    serve_main(sys.argv[2:])
