"""The local Koji test hub with tasks: logging in, image tasks, and a builder that runs them.

TaskHub adds to kojihub.Hub the task API punji's image phases call. As on a
real hub, creating a task leaves it FREE; a builder thread (the hub's "build
host") takes it (OPEN), makes one child task per arch (createImage) that writes
small real images into the storage's work/tasks/<id % 10000>/<id>/, closes the
children with their results and then the parent — or fails them with an
error, which getTaskResult raises as a fault, as koji's host.failTask does.

Authentication: login(user, password) (a profile's authtype = password)
against the hub's accounts; task creation refuses a session that has not
logged in ("ActionNotAllowed"). The hub does not tell sessions apart: the last
login counts.

Images per format (what a real createImage task's files end with; kojihub_image_files writes them):
qcow2 (qemu-img when it exists, else raw bytes under that name), raw, raw-xz
(xz-compressed raw), docker / tar-gz (a tar.xz / tar.gz of a small root
tree), liveimg-squashfs / iso (an ISO made with xorriso), and other formats
raw bytes; beside them a .ks and a log file, which the phase must not take.

kiwiBuild (the kiwi plugin) and imageBuilderBuild (koji-image-builder) check
their arguments as those plugins' hub calls do; their children
(createKiwiImage, imageBuilderBuildArch) write what kiwi-ng's result bundle
and image-builder write: the images of the kiwi type or image-builder type
asked for (KIWI_TYPES, IMAGE_BUILDER_TYPES) beside package lists, checksums,
manifests and SBOMs, which the phases must not take.

osbuildImage (the koji-osbuild plugin: its argument schema checked) runs as one
task without children: it imports a Koji build NAME-VERSION-RELEASE whose image
archives (one per arch and image type, OSBUILD_ARCHIVES, plus a .json manifest
archive each) lie in the build's images/ directory, and answers
{"koji": {"build": id}}; an injected failure of any of its arches fails it.
"""

import os
import threading
import time
import xmlrpc.client

import kojihub
from conftest import http_server
from kojihub import GENERIC_ERROR, Hub, serving
from kojihub_image_files import make_image
from kojihub_tls import RealHubCalls

PROFILE = "punjitasks"
KSURL = "git+https://git.example.com/kickstarts.git?#0123abcd"

ACTION_NOT_ALLOWED = 1004  # koji.ActionNotAllowed.faultCode
AUTH_ERROR = 1002  # koji.AuthError.faultCode
FREE, OPEN, CLOSED, CANCELED, ASSIGNED, FAILED = range(6)

SUFFIXES = {"qcow2": "qcow2", "qcow": "qcow", "raw": "raw", "raw-xz": "raw.xz", "docker": "tar.xz",
            "tar-gz": "tar.gz", "liveimg-squashfs": "liveimg.squashfs", "vagrant-libvirt": "vagrant-libvirt.box",
            "vagrant-virtualbox": "vagrant-virtualbox.box", "vagrant-hyperv": "vagrant-hyperv.box",
            "vagrant-vmware-fusion": "vagrant-vmware-fusion.box", "rhevm-ova": "rhevm.ova",
            "vsphere-ova": "vsphere.ova", "vpc": "vhd", "vmdk": "vmdk", "vdi": "vdi"}

# parent task method -> its per-arch child tasks' method
CHILD_METHODS = {"buildContainer": None, "osbuildImage": None, "image": "createImage", "livemedia": "createLiveMedia",
                 "livecd": "createLiveCD", "appliance": "createAppliance", "kiwiBuild": "createKiwiImage",
                 "imageBuilderBuild": "imageBuilderBuildArch"}

# kiwi build type (None: the description's default) -> the endings of the images of its bundle
KIWI_TYPES = {None: ["qcow2"], "oem": ["raw.xz"], "vagrant": ["vagrant.libvirt.box", "vagrant.virtualbox.box"],
              "iso": ["iso"], "oci": ["oci.tar.xz"], "vhd": ["vhdfixed.xz"]}

# image-builder image type -> the ending of its image
IMAGE_BUILDER_TYPES = {"minimal-raw-xz": "raw.xz", "qcow2": "qcow2", "server-qcow2": "qcow2",
                       "container": "oci.tar.xz", "wsl": "wsl", "vagrant-libvirt": "vagrant.libvirt.box",
                       "minimal-installer": "iso", "live-installer": "iso"}

# an image's ending -> the make_image format writing it
ENDING_FORMATS = {"qcow2": "qcow2", "raw.xz": "raw-xz", "oci.tar.xz": "docker", "iso": "iso"}

# imageBuilderBuild's opts (the plugin's schema): key -> its type(s)
IMAGE_BUILDER_OPTS = {"scratch": bool, "repos": list, "release": str, "distro": str, "skip_tag": bool,
                      "ostree": dict, "blueprint": dict, "seed": int, "preview": bool}

# osbuild image type -> (Koji archive type, file name suffix) of the images osbuild-composer imports
OSBUILD_ARCHIVES = {"qcow2": ("qcow2", "qcow2"), "guest-image": ("qcow2", "qcow2"), "ami": ("raw", "raw"),
                    "vagrant-libvirt": ("vagrant-libvirt", "vagrant-libvirt.box"),
                    "iot-raw-image": ("raw-xz", "raw.xz"), "vhd": ("vhd", "vhd"),
                    "vhd-compressed": ("vhd-compressed", "vhd.xz"), "image-installer": ("iso", "iso"),
                    "live-installer": ("iso", "iso"), "iot-installer": ("iso", "iso"),
                    "container": ("tar", "tar")}

# the arguments the koji-osbuild hub plugin validates (its OSBUILD_IMAGE_SCHEMA)
_STRING = {"type": "string"}
OSBUILD_IMAGE_SCHEMA = {
    "$schema": "http://json-schema.org/draft-04/schema#", "type": "array", "minItems": 7,
    "items": [_STRING, _STRING, _STRING, {"type": "array", "minItems": 1, "items": _STRING}, _STRING,
              {"type": "array", "minItems": 1, "items": _STRING},
              {"type": "object", "additionalProperties": False, "properties": {
                  "repo": {"type": "array", "items": {"oneOf": [_STRING, {
                      "type": "object", "additionalProperties": False, "required": ["baseurl"],
                      "properties": {"baseurl": _STRING, "package_sets": {"type": "array", "items": _STRING}}}]}},
                  "release": _STRING, "skip_tag": {"type": "boolean"},
                  "ostree": {"type": "object", "additionalProperties": False,
                             "properties": {"parent": _STRING, "ref": _STRING, "url": _STRING}},
                  "upload_options": {"type": "object"}, "customizations": {"type": "object"}}}],
}

kojihub.FIXTURE_CALLS.update({"fail_task", "add_target", "run_builder", "stop_builder",
                              "submitted_calls", "set_image_rpms"})


class TaskHub(RealHubCalls, Hub):
    def __init__(self, root, users=None):
        super().__init__(root)
        self.users = dict(users or {"punji": "secret"})
        self.canceled = []  # the task ids cancelTask was called for, in order
        self.user = None
        self.sessions = 0  # logins not logged out yet
        self.targets = {}
        self.submitted = []  # (method, args, kwargs) of every task creation, in order
        self.failing = {}  # (task name, arch or "*") -> the error its createImage task fails with
        self.build_delay = 0.2  # how long a createImage task "runs"
        self.log_lines = []  # (time, event) of the builder
        self.archives = []  # image archives of container builds
        self.archive_extra = {}  # osbuild image name -> the extra its image archives get instead
        self.image_rpms = {}  # container name -> [(name, epoch, version, release, arch)] in its images
        self.image_builds = set()  # ids of the builds image tasks imported (getImageBuild)
        self.unique_nvrs = False  # True: a second image task of one NVR fails, as on a real hub
        self._stop = threading.Event()
        self._builder = None

    # -- fixture side -------------------------------------------------------------------

    def add_target(self, name, arches=("x86_64",)):
        self.targets[name] = {"id": len(self.targets) + 1, "name": name, "build_tag_name": name + "-build",
                              "dest_tag_name": name, "arches": list(arches)}

    def fail_task(self, name, arch="*", error="Oz failed: no space left on device"):
        """createImage tasks of image NAME on ARCH ('*': every arch) fail with ERROR."""
        self.failing[(name, arch)] = error

    def set_image_rpms(self, name, rpms):
        """The packages (name, epoch, version, release, arch) in the images of container NAME's builds."""
        self.image_rpms[name] = [list(r) for r in rpms]

    def run_builder(self):
        self._builder = threading.Thread(target=self._build_loop, daemon=True)
        self._builder.start()

    def stop_builder(self):
        self._stop.set()
        if self._builder:
            self._builder.join(5)

    def submitted_calls(self, method):
        return [(args, kwargs) for m, args, kwargs in self.submitted if m == method]

    # -- authentication -------------------------------------------------------------------

    def login(self, user=None, password=None, opts=None, renew=False, exclusive=None):
        if user not in self.users or self.users[user] != password:
            raise xmlrpc.client.Fault(AUTH_ERROR,
                                      "AuthError: invalid username or password")
        self.user = user
        self.sessions += 1
        return {"session-id": 1, "session-key": "1-punjitest"}

    def getLoggedInUser(self):
        if not self.user:
            return None
        return {"id": 1, "name": self.user, "status": 0, "usertype": 0, "krb_principals": []}

    def logout(self, session_id=None):
        """As on a real hub, one client's logout ends its own session only: the user stays
        logged in while other sessions (concurrent koji CLIs) are open."""
        self.sessions = max(0, self.sessions - 1)
        if not self.sessions:
            self.user = None

    def _require_login(self, method):
        if not self.user:
            raise xmlrpc.client.Fault(ACTION_NOT_ALLOWED, "ActionNotAllowed: %s needs a logged-in session" % method)

    # -- task creation --------------------------------------------------------------------

    def buildImageOz(self, name, version, arches, target, inst_tree, opts=None, priority=None):
        self._require_login("buildImageOz")
        if target not in self.targets:
            raise xmlrpc.client.Fault(GENERIC_ERROR, "GenericError: No such build target: %s" % target)
        if not arches or not isinstance(arches, list):
            raise xmlrpc.client.Fault(kojihub.PARAMETER_ERROR, "ParameterError: arches must be a non-empty list")
        opts = dict(opts or {})
        for key in ("kickstart", "format"):
            if not opts.get(key):
                raise xmlrpc.client.Fault(kojihub.PARAMETER_ERROR, "ParameterError: opts has no %s" % key)
        self.submitted.append(("buildImageOz", [name, version, arches, target, inst_tree],
                               {"opts": opts, "priority": priority}))
        task_id = self._task("image", None, FREE)
        self.tasks[task_id].update(request=[name, version, arches, target, inst_tree, opts],
                                   label=name, completion_ts=None, result=None)
        return task_id

    def buildImage(self, name, version, arch, target, ksfile, img_type, opts=None, priority=None):
        """spin-livecd / spin-appliance / spin-livemedia: ARCH one arch, or a list for livemedia."""
        self._require_login("buildImage")
        if target not in self.targets:
            raise xmlrpc.client.Fault(GENERIC_ERROR, "GenericError: No such build target: %s" % target)
        if img_type not in ("livecd", "appliance", "livemedia"):
            raise xmlrpc.client.Fault(GENERIC_ERROR, "GenericError: Unrecognized image type: %s" % img_type)
        arches = arch if isinstance(arch, list) else [arch]
        if img_type != "livemedia" and len(arches) != 1:
            raise xmlrpc.client.Fault(kojihub.PARAMETER_ERROR, "ParameterError: %s takes one arch" % img_type)
        opts = dict(opts or {})
        self.submitted.append(("buildImage", [name, version, arch, target, ksfile, img_type],
                               {"opts": opts, "priority": priority}))
        task_id = self._task(img_type, None, FREE)
        formats = {"livemedia": ["iso"], "livecd": ["iso"], "appliance": ["raw-xz"]}[img_type]
        self.tasks[task_id].update(request=[name, version, arches, target, ksfile, dict(opts, format=formats,
                                                                                        kickstart=ksfile)],
                                   label=name, completion_ts=None, result=None)
        return task_id

    def kiwiBuild(self, target, arches, desc_url, desc_path, optional_arches=None, profile=None, scratch=False,
                  priority=None, make_prep=False, repos=None, release=None, type=None, type_attr=None,
                  result_bundle_name_format=None, use_buildroot_repo=True, version=None, repo_releasever=None):
        """The kiwi plugin's hub call: its checks, and the set keywords become the task's opts."""
        self._require_login("kiwiBuild")
        for value in (desc_url, desc_path, profile, release, version, repo_releasever, result_bundle_name_format):
            if value is not None and not isinstance(value, str):
                raise parameter_error("Invalid type for value %r: %s, expected type <class 'str'>" % (value, value))
        for value in (repos, type_attr):
            if value and not isinstance(value, list):
                raise parameter_error("Invalid type for value %r: expected type <class 'list'>" % (value,))
        if target not in self.targets:
            raise xmlrpc.client.Fault(GENERIC_ERROR, "GenericError: No such build target: %s" % target)
        arches = arches.split() if isinstance(arches, str) else list(arches)
        if not arches:
            raise parameter_error("no arches")
        given = dict(optional_arches=optional_arches, profile=profile, scratch=scratch, priority=priority,
                     make_prep=make_prep, repos=repos, release=release, type=type, type_attr=type_attr,
                     result_bundle_name_format=result_bundle_name_format, use_buildroot_repo=use_buildroot_repo,
                     version=version, repo_releasever=repo_releasever)
        self.submitted.append(("kiwiBuild", [target, arches, desc_url, desc_path], given))
        opts = {k: v for k, v in given.items() if v and k not in ("priority", "use_buildroot_repo")}
        task_id = self._task("kiwiBuild", None, FREE)
        self.tasks[task_id].update(request=[target, arches, desc_url, desc_path, opts], label=desc_path,
                                   completion_ts=None, result=None)
        return task_id

    def imageBuilderBuild(self, target, arches, types, name, version, opts=None, priority=None):
        """koji-image-builder's hub call: its argument schema (one image type; known opts only)."""
        self._require_login("imageBuilderBuild")
        opts = {} if opts is None else opts
        checks = [(isinstance(target, str), "target must be a string"),
                  (isinstance(arches, list) and all(isinstance(a, str) for a in arches), "arches must be strings"),
                  (isinstance(types, list) and len(types) == 1 and isinstance(types[0], str),
                   "types must be a list of exactly one string"),
                  (isinstance(name, str) and isinstance(version, str), "name and version must be strings"),
                  (isinstance(opts, dict), "opts must be an object")]
        checks += [(key in IMAGE_BUILDER_OPTS, "Additional properties are not allowed (%r was unexpected)" % key)
                   for key in opts]
        checks += [(type(value) is IMAGE_BUILDER_OPTS[key], "%r is not of type %s" % (value, key))
                   for key, value in opts.items() if key in IMAGE_BUILDER_OPTS]
        checks += [(set(opts.get("ostree") or {}) <= {"url", "ref", "parent"}, "ostree has unknown keys")]
        for ok, message in checks:
            if not ok:
                raise parameter_error(message)
        if target not in self.targets:
            raise xmlrpc.client.Fault(GENERIC_ERROR, "GenericError: No such build target: %s" % target)
        self.submitted.append(("imageBuilderBuild", [target, arches, types, name, version], {"opts": opts}))
        task_id = self._task("imageBuilderBuild", None, FREE)
        self.tasks[task_id].update(request=[target, arches, types, name, version, opts], label=name,
                                   completion_ts=None, result=None)
        return task_id

    def buildContainer(self, src, target, opts=None, priority=None, channel="container"):
        """OSBS (koji-containerbuild): a container image from git SRC (url#ref)."""
        self._require_login("buildContainer")
        if target not in self.targets:
            raise xmlrpc.client.Fault(GENERIC_ERROR, "GenericError: No such build target: %s" % target)
        opts = dict(opts or {})
        if not opts.get("git_branch"):
            raise xmlrpc.client.Fault(kojihub.PARAMETER_ERROR, "ParameterError: git_branch is required")
        self.submitted.append(("buildContainer", [src, target, opts], {"priority": priority}))
        task_id = self._task("buildContainer", None, FREE)
        self.tasks[task_id].update(request=[src, target, opts], label=src, completion_ts=None, result=None)
        return task_id

    def osbuildImage(self, name, version, distro, image_types, target, arches, opts=None, priority=None):
        """koji-osbuild: images of IMAGE_TYPES made by osbuild-composer, imported as one Koji build."""
        import jsonschema

        self._require_login("osbuildImage")
        args = [name, version, distro, image_types, target, arches, opts]
        try:
            jsonschema.validate(args, OSBUILD_IMAGE_SCHEMA)
        except jsonschema.ValidationError as err:
            raise xmlrpc.client.Fault(kojihub.PARAMETER_ERROR, "ParameterError: %s" % err.message) from None
        if target not in self.targets:
            raise xmlrpc.client.Fault(GENERIC_ERROR, "GenericError: No such build target: %s" % target)
        self.submitted.append(("osbuildImage", args[:6], {"opts": opts, "priority": priority}))
        task_id = self._task("osbuildImage", None, FREE)
        self.tasks[task_id].update(request=args, label=name, completion_ts=None, result=None)
        return task_id

    def listArchives(self, buildID=None, type=None, **kwargs):
        return [{k: v for k, v in a.items() if k != "rpms"} for a in self.archives
                if (buildID is None or a["build_id"] == buildID) and (type is None or a["btype"] == type)]

    def listRPMs(self, buildID=None, buildrootID=None, imageID=None, componentBuildrootID=None, hostID=None,
                 arches=None, queryOpts=None, draft=None):
        """By imageID: the packages in an image archive (koji's image component list)."""
        if imageID is None:
            return super().listRPMs(buildID, buildrootID, imageID, componentBuildrootID, hostID, arches, queryOpts,
                                    draft)
        (archive,) = [a for a in self.archives if a["id"] == imageID]
        return [{"id": 1000 + n, "name": name, "epoch": epoch, "version": version, "release": release, "arch": arch,
                 "nvr": "%s-%s-%s" % (name, version, release), "build_id": None, "external_repo_id": 0}
                for n, (name, epoch, version, release, arch) in enumerate(archive["rpms"])]

    # -- the builder ----------------------------------------------------------------------

    def _build_loop(self):
        while not self._stop.is_set():
            with self.lock:
                free = [t for t in sorted(self.tasks) if self.tasks[t]["state"] == FREE
                        and self._builds(self.tasks[t]["method"])]
                for task_id in free:
                    self.tasks[task_id]["state"] = OPEN
            for task_id in free:
                threading.Thread(target=self._runner(self.tasks[task_id]["method"]), args=(task_id,),
                                 daemon=True).start()
            time.sleep(0.05)

    def _builds(self, method):
        """Whether the builder runs a task of METHOD (the others wait for their children)."""
        return method in CHILD_METHODS

    def _runner(self, method):
        """The builder's function running a task of METHOD."""
        return {"buildContainer": self._run_container, "kiwiBuild": self._run_kiwi,
                "imageBuilderBuild": self._run_image_builder, "osbuildImage": self._run_osbuild}.get(
            method, self._run_image)

    def _run_image(self, task_id):
        """image-build and spin-* tasks: the images of the formats asked for, a .ks and a log."""
        name, version, arches, target, inst_tree, opts = self.tasks[task_id]["request"]
        release = opts.get("release") or "1"
        error = None if opts.get("scratch") else self.init_image_build(task_id, name, version, release)
        if error:
            self._close(task_id, FAILED, xmlrpc.client.Fault(GENERIC_ERROR, error))
            return

        def build(arch, outdir):
            files = []
            for fmt in opts["format"]:
                filename = "%s-%s-%s.%s.%s" % (name, version, release, arch, SUFFIXES.get(fmt, fmt))
                if fmt == "iso":  # live media: Koji names them <name>-<arch>-<version>-<release>.iso
                    filename = "%s-%s-%s-%s.iso" % (name, arch, version, release)
                make_image(fmt, os.path.join(outdir, filename), "%s %s" % (name, arch))
                files.append(filename)
            ks = os.path.basename(opts["kickstart"])
            write_text(os.path.join(outdir, ks), "# kickstart of %s\n" % name)
            write_text(os.path.join(outdir, "oz-%s.log" % arch), "built %s\n" % ", ".join(files))
            if not opts.get("scratch"):
                self.import_image(task_id, name, version, release, outdir, files + [ks])
            return {"arch": arch, "files": files + [ks], "rpmlist": [], "logs": ["oz-%s.log" % arch],
                    "name": name, "version": version, "release": release}

        self._run_children(task_id, name, arches, opts.get("optional_arches") or [], build)

    def _run_kiwi(self, task_id):
        """kiwiBuild: per arch the result bundle kiwi-ng makes of the description's type
        (<name>.<arch>-<version>-<release>.<ending>, or result_bundle_name_format's name),
        with its .packages list and .sha256 files, beside the description and a log."""
        target, arches, desc_url, desc_path, opts = self.tasks[task_id]["request"]
        name = os.path.basename(desc_path).rsplit(".kiwi", 1)[0]
        name = "%s-%s" % (name, opts["profile"]) if opts.get("profile") else name
        version, release = opts.get("version") or "1", opts.get("release") or "1"

        def build(arch, outdir):
            if opts.get("type") not in KIWI_TYPES:
                raise xmlrpc.client.Fault(GENERIC_ERROR, "GenericError: Kiwi failed")
            base = "%s.%s-%s-%s" % (name, arch, version, release)
            if opts.get("result_bundle_name_format"):
                base = opts["result_bundle_name_format"]
                for key, value in (("%N", name), ("%P", opts.get("profile") or ""), ("%A", arch),
                                   ("%I", release), ("%v", version)):
                    base = base.replace(key, value)
            files = []
            for ending in KIWI_TYPES[opts.get("type")]:
                filename = "%s.%s" % (base, ending)
                make_image(ENDING_FORMATS.get(ending, "raw"), os.path.join(outdir, filename), "%s %s" % (name, arch))
                write_text(os.path.join(outdir, filename + ".sha256"), "%s  %s\n" % ("0" * 64, filename))
                files += [filename, filename + ".sha256"]
            write_text(os.path.join(outdir, base + ".packages"), "kernel|(none)|6.8|1|%s|||GPL\n" % arch)
            desc = "%s.%s.kiwi" % (os.path.basename(desc_path).rsplit(".kiwi", 1)[0], arch)
            write_text(os.path.join(outdir, desc), "<image name=%r/>\n" % name)
            write_text(os.path.join(outdir, "image-root.%s.log" % arch), "built %s\n" % ", ".join(files))
            return {"arch": arch, "logs": [desc], "name": name, "version": version, "release": release,
                    "rpmlist": [], "files": sorted(files + [base + ".packages"])}

        self._run_children(task_id, name, arches, opts.get("optional_arches") or [], build)

    def _run_image_builder(self, task_id):
        """imageBuilderBuild: per arch `image-builder build --output-name <name>-<version>-<release>`
        of the one type: its image, its osbuild manifest and an SBOM. No optional arches."""
        target, arches, types, name, version, opts = self.tasks[task_id]["request"]
        release = opts.get("release") or "1"

        def build(arch, outdir):
            if types[0] not in IMAGE_BUILDER_TYPES:
                raise xmlrpc.client.Fault(GENERIC_ERROR, "GenericError: `image-builder` failed")
            base = "%s-%s-%s" % (name, version, release)
            ending = IMAGE_BUILDER_TYPES[types[0]]
            make_image(ENDING_FORMATS.get(ending, "raw"), os.path.join(outdir, "%s.%s" % (base, ending)),
                       "%s %s" % (name, arch))
            write_text(os.path.join(outdir, base + ".osbuild-manifest.json"), '{"version": "2"}\n')
            write_text(os.path.join(outdir, base + ".image-os.spdx.json"), '{"spdxVersion": "SPDX-2.3"}\n')
            files = ["%s.%s" % (base, ending), base + ".osbuild-manifest.json", base + ".image-os.spdx.json"]
            return {"name": name, "version": version, "release": release, "arch": arch,
                    "files": files, "logs": [], "rpmlist": []}

        self._run_children(task_id, name, arches, [], build)

    def _run_children(self, task_id, name, arches, optional, build):
        """One child task per arch (CHILD_METHODS' method): BUILD(arch, outdir) writes its
        outputs and answers its result, or raises the fault it fails with (fail_task's NAME and
        arch fail it too). The parent fails when a child not in OPTIONAL, or every child, does."""
        with self.lock:
            method = CHILD_METHODS[self.tasks[task_id]["method"]]
            self.log_lines.append((time.time(), "open %s" % task_id))
            children = []
            for arch in arches:
                child = self._task(method, task_id, OPEN)
                opts = self.tasks[task_id]["request"][-1]  # koji's children end their request with it too
                self.tasks[child].update(arch=arch, label=arch, completion_ts=None, result=None,
                                         request=[name, arch, opts if isinstance(opts, dict) else {}])
                children.append((child, arch))
        time.sleep(self.build_delay)
        failed = []
        for child, arch in children:
            outdir = os.path.join(self.root, "work", "tasks", str(child % 10000), str(child))
            os.makedirs(outdir, exist_ok=True)
            error = self.failing.get((name, arch)) or self.failing.get((name, "*"))
            try:
                if error:
                    raise xmlrpc.client.Fault(GENERIC_ERROR, error)
                result = dict(build(arch, outdir), task_id=child)
            except xmlrpc.client.Fault as fault:
                self._close(child, FAILED, fault)
                failed.append((child, arch))
                continue
            with self.lock:
                self.tasks[child]["outputs"] = sorted(os.listdir(outdir))
            self._close(child, CLOSED, result)
        fatal = [child for child, arch in failed if arch not in optional]
        if fatal or len(failed) == len(children):
            self._close(task_id, FAILED, xmlrpc.client.Fault(
                GENERIC_ERROR, "GenericError: %s task %s failed" % (method, (fatal or [failed[0][0]])[0])))
        else:
            self._close(task_id, CLOSED, {str(c): self.tasks[c]["result"] for c, _ in children
                                          if self.tasks[c]["state"] == CLOSED})

    def _run_container(self, task_id):
        """A container build: a build NAME-VERSION-RELEASE with one docker image archive per arch of
        the target (a real tar.gz in packages/.../images/), or a scratch build's repositories only."""
        import hashlib

        with self.lock:
            src, target, opts = self.tasks[task_id]["request"]
        time.sleep(self.build_delay)
        name = os.path.basename(src.split("#")[0].split("?")[0]).replace(".git", "") + "-container"
        error = self.failing.get((name, "*"))
        if error:
            self._close(task_id, FAILED, xmlrpc.client.Fault(GENERIC_ERROR, error))
            return
        version, release = opts.get("version") or "1", opts.get("release") or "1"
        repositories = ["registry.example.com/%s:%s-%s" % (name, version, release)]
        if opts.get("scratch"):
            self._close(task_id, CLOSED, {"repositories": repositories, "koji_builds": []})
            return
        with self.lock:
            build_id = len(self.builds) + 1
            nvr = "%s-%s-%s" % (name, version, release)
            self.builds[build_id] = {
                "id": build_id, "build_id": build_id, "name": name, "version": version, "release": release,
                "epoch": None, "nvr": nvr, "state": 1, "package_id": build_id, "package_name": name,
                "volume_id": 0, "volume_name": "DEFAULT", "owner_id": 1, "owner_name": self.user,
                "task_id": task_id, "creation_time": "2026-01-01 00:00:00.000000", "creation_ts": 1767225600.0,
                "completion_ts": 1767225600.0, "draft": False, "extra": {"container_koji_task_id": task_id}}
            directory = os.path.join(self.build_dir(self.builds[build_id]), "images")
        os.makedirs(directory, exist_ok=True)
        for arch in self.targets[target]["arches"]:
            filename = "docker-image-%s.%s.tar.gz" % (hashlib.sha256(nvr.encode()).hexdigest()[:12], arch)
            path = os.path.join(directory, filename)
            make_image("tar-gz", path, "%s %s" % (nvr, arch))
            with open(path, "rb") as f:
                md5 = hashlib.md5(f.read()).hexdigest()
            with self.lock:
                self.archives.append({
                    "id": self._next_archive_id(), "build_id": build_id, "filename": filename,
                    "type_name": "tar", "btype": "image",
                    "size": os.path.getsize(path), "checksum": md5, "checksum_type": 0,
                    "rpms": self.image_rpms.get(name, []),
                    "extra": {"docker": {"repositories": repositories, "id": "sha256:" + md5 * 2,
                                         "config": {"architecture": arch}}, "image": {"arch": arch}}})
        self._close(task_id, CLOSED, {"koji_builds": [str(build_id)], "repositories": repositories})

    def _next_archive_id(self):
        return max((a["id"] for a in self.archives), default=0) + 1

    def _run_osbuild(self, task_id):
        """An osbuild compose: a build NAME-VERSION-RELEASE with one image archive per arch and
        image type (OSBUILD_ARCHIVES, files in packages/.../images/) and a manifest archive beside
        each; the task result names the build. An injected failure of any arch fails the task."""
        import hashlib

        with self.lock:
            name, version, distro, image_types, target, arches, opts = self.tasks[task_id]["request"]
        time.sleep(self.build_delay)
        errors = [self.failing.get((name, a)) for a in ["*"] + arches if self.failing.get((name, a))]
        release = opts.get("release") or "1"
        nvr = "%s-%s-%s" % (name, version, release)
        built = next((b["id"] for b in self.builds.values() if b["nvr"] == nvr), None)
        if built is not None and self.unique_nvrs:
            errors.append("GenericError: Build already exists: %s" % nvr)
        if errors:
            self._close(task_id, FAILED, xmlrpc.client.Fault(GENERIC_ERROR, errors[0]))
            return
        with self.lock:
            # Without unique_nvrs a later task of an NVR replaces the build's archives (as the other
            # image tasks do): campaigns and tests build one NVR in several composes on one hub.
            self.archives = [a for a in self.archives if a["build_id"] != built]
            build_id = built or len(self.builds) + 1
            self.builds[build_id] = {
                "id": build_id, "build_id": build_id, "name": name, "version": version, "release": release,
                "epoch": None, "nvr": nvr, "state": 1, "package_id": build_id, "package_name": name,
                "volume_id": 0, "volume_name": "DEFAULT", "owner_id": 1, "owner_name": self.user,
                "task_id": task_id, "creation_time": "2026-01-01 00:00:00.000000", "creation_ts": 1767225600.0,
                "completion_ts": 1767225600.0, "draft": False, "extra": {"osbuild": {"distro": distro}}}
            directory = os.path.join(self.build_dir(self.builds[build_id]), "images")
        os.makedirs(directory, exist_ok=True)
        for arch in arches:
            for image_type in image_types:
                kind, suffix = OSBUILD_ARCHIVES.get(image_type, (image_type, image_type))
                files = [("%s.%s.%s" % (nvr, arch, suffix), kind),
                         ("%s.%s.%s.manifest.json" % (nvr, arch, image_type), "json")]
                for filename, type_name in files:
                    path = os.path.join(directory, filename)
                    make_image(type_name, path, "%s %s" % (nvr, arch))
                    with open(path, "rb") as f:
                        md5 = hashlib.md5(f.read()).hexdigest()
                    with self.lock:
                        self.archives.append({
                            "id": self._next_archive_id(), "build_id": build_id, "filename": filename,
                            "type_name": type_name, "btype": "image", "size": os.path.getsize(path),
                            "checksum": md5, "checksum_type": 0,
                            "extra": self.archive_extra.get(name, {"image": {
                                "arch": arch, "osbuild_artifact": {"export_name": image_type}}})})
        composer = {"server": "https://composer.example.com/api/image-builder-composer/v2", "id": "%08d" % task_id}
        self._close(task_id, CLOSED, {"composer": composer, "koji": {"build": build_id}})

    def cancelTask(self, task_id, recurse=True):
        """As koji's cancelTask: an open task and its open children end CANCELED; a builder
        still working on them cannot close them afterwards."""
        self._require_login("cancelTask")
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None:
                raise xmlrpc.client.Fault(GENERIC_ERROR, "GenericError: No such task: %r" % (task_id,))
            self.canceled.append(task_id)
            for tid, t in self.tasks.items():
                if (tid == task_id or (recurse and t.get("parent") == task_id)) and t["state"] in (FREE, OPEN, ASSIGNED):
                    t.update(state=CANCELED, completion_ts=time.time())
        return None

    def _close(self, task_id, state, result):
        with self.lock:
            if self.tasks[task_id]["state"] == CANCELED:
                return
            self.tasks[task_id].update(state=state, result=result, completion_ts=time.time())
            self.log_lines.append((time.time(), "%s %s" % ("close" if state == CLOSED else "fail", task_id)))

    # -- task queries -----------------------------------------------------------------------

    def getTaskInfo(self, task_id, request=False, strict=False):
        info = super().getTaskInfo(task_id, request=request, strict=strict)
        if info is None:
            return None
        info.pop("result", None)
        if not request:
            info.pop("request", None)
        info["host_id"] = 1 if info["state"] != FREE else None  # the builder's, once it took the task
        return info

    def getTaskChildren(self, task_id, request=False, strict=False):
        return [self.getTaskInfo(t, request=request) for t in sorted(self.tasks) if self.tasks[t]["parent"] == task_id]

    def getHost(self, hostInfo, strict=False, event=None):
        return {"id": 1, "name": "builder.example.com", "arches": "x86_64 i386", "enabled": True, "ready": True}

    def getTaskResult(self, taskId, raise_fault=True):
        task = self.tasks.get(taskId)
        if task is None:
            raise xmlrpc.client.Fault(GENERIC_ERROR, "GenericError: No such task: %r" % (taskId,))
        if task["state"] == FAILED:
            if isinstance(task.get("result"), xmlrpc.client.Fault):
                raise task["result"]
            raise xmlrpc.client.Fault(GENERIC_ERROR, "GenericError: task %s failed" % taskId)
        if task["state"] != CLOSED:
            raise xmlrpc.client.Fault(GENERIC_ERROR, "GenericError: Task %i is currently in state %s"
                                      % (taskId, ["FREE", "OPEN", "CLOSED", "CANCELED", "ASSIGNED",
                                                  "FAILED"][task["state"]]))
        return task.get("result")

    def listTaskOutput(self, taskID, stat=False, all_volumes=False, strict=False):
        names = super().listTaskOutput(taskID, stat=False, all_volumes=all_volumes, strict=strict)
        if all_volumes:  # koji: {name: [volume]} or, with stat, {name: {volume: stat}}
            stats = self.listTaskOutput(taskID, stat=True) if stat else {}
            return {name: {"DEFAULT": stats[name]} if stat else ["DEFAULT"] for name in names}
        if not stat:
            return names
        outdir = os.path.join(self.root, "work", "tasks", str(taskID % 10000), str(taskID))
        result = {}
        for name in names:
            st = os.stat(os.path.join(outdir, name))
            # koji answers sizes as strings (XML-RPC ints are 32-bit)
            result[name] = {"st_size": str(st.st_size), "st_mtime": st.st_mtime, "st_ctime": st.st_ctime,
                            "st_atime": st.st_atime}
        return result


def write_text(path, text):
    with open(path, "w") as f:
        f.write(text)


def parameter_error(message):
    return xmlrpc.client.Fault(kojihub.PARAMETER_ERROR, "ParameterError: %s" % message)


def write_profile(home, url, topdir, topurl, authtype="password", password="secret", retries=3):
    """~/.koji/config.d/punjitasks.conf under HOME: the hub, its storage, a password login."""
    directory = os.path.join(str(home), ".koji", "config.d")
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "%s.conf" % PROFILE), "w") as f:
        f.write("[%s]\nserver = %s\ntopdir = %s\ntopurl = %s\nmax_retries = %d\nretry_interval = 0\n"
                "authtype = %s\nuser = punji\npassword = %s\n"
                % (PROFILE, url, topdir, topurl, retries, authtype, password))


def running_hub(tmp_path_factory):
    """A module fixture's body: a running TaskHub (builder on, targets pdl-1-image and
    pdl-1-docker) served over XML-RPC and HTTP, HOME pointing at its profile; polls capped at 0.5s."""
    top = tmp_path_factory.mktemp("kojitasks")
    hub = TaskHub(top / "storage")
    for target in ("pdl-1-image", "pdl-1-docker"):
        hub.add_target(target)
    hub.build_delay = 3.0  # long enough to overlap createiso under make -j2
    yield from serve_with_builder(hub, top)


def serve_with_builder(hub, top):
    """Run HUB's builder and serve HUB over XML-RPC and HTTP, HOME pointing at its profile
    under TOP and polls capped at 0.5s, while the generator is suspended; then restore both."""
    hub.run_builder()
    old = {k: os.environ.get(k) for k in ("HOME", "PUNJI_KOJI_POLL_MAX")}
    with serving(hub) as url, http_server(str(hub.root)) as topurl:
        hub.url, hub.topurl, hub.home = url, topurl, top / "home"
        write_profile(hub.home, url, hub.root, topurl)
        os.environ["HOME"] = str(hub.home)
        os.environ["PUNJI_KOJI_POLL_MAX"] = "0.5"
        try:
            yield hub
        finally:
            hub.stop_builder()
            for key, value in old.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
