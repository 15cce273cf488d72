"""What a real hub does that Pungi's Koji task phases need and the plain test hub lacks.

SSL logins: Pungi 4.3.2's KojiWrapper.login knows ssl and kerberos only, and the koji CLI it
runs image-build and spin-livemedia with reads no user or password from a profile, so a hub
that both tools compose against must serve HTTPS and answer sslLogin. make_certs writes a
self-signed server certificate for 127.0.0.1 (the profile's serverca) and a client
certificate (the profile's cert); serving_tls serves a hub over HTTPS with them.

Build targets and image builds: the koji CLI checks a target with getBuildTarget and its
destination tag with getTag before it creates a task; a non-scratch image task imports its
images into the build NAME-VERSION-RELEASE (packages/<name>/<version>/<release>/images/, the
task's work directory keeping symlinks to them, as koji's importImage moves them), which
getImageBuild answers for and where Pungi reads the images from.
"""

import contextlib
import os
import subprocess

import kojihub


def make_certs(directory):
    """{"server": PEM with key, "ca": the server's certificate, "client": PEM with key} in DIRECTORY."""
    os.makedirs(directory, exist_ok=True)
    paths = {}
    for name, subject, extra in (("server", "/CN=127.0.0.1", ["-addext", "subjectAltName=IP:127.0.0.1"]),
                                 ("client", "/CN=punji", [])):
        key, cert = os.path.join(directory, name + ".key"), os.path.join(directory, name + ".crt")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", subject,
                        "-keyout", key, "-out", cert] + extra, check=True, capture_output=True)
        pem = os.path.join(directory, name + ".pem")
        with open(pem, "w") as out:
            out.write(open(cert).read() + open(key).read())
        paths[name] = pem
        if name == "server":
            paths["ca"] = cert
    return paths


@contextlib.contextmanager
def serving_tls(hub, certs, dispatcher=kojihub.Dispatcher):
    """Serve HUB's XML-RPC over HTTPS on 127.0.0.1 while the block runs; yields its URL."""
    handler = type("HubHandler", (kojihub.Handler,), {"dispatcher": dispatcher(hub)})
    with kojihub.listening(handler, tls=certs["server"]) as url:
        yield url + "kojihub"


class RealHubCalls:
    """sslLogin, getBuildTarget, getImageBuild and the image build import, mixed into TaskHub."""

    def sslLogin(self, proxyuser=None, proxyauthtype=None, renew=False, exclusive=None):
        """The client certificate's user: the hub's first account (its CN is not checked)."""
        self.user = sorted(self.users)[0]
        self.sessions = getattr(self, "sessions", 0) + 1
        return {"session-id": 1, "session-key": "1-punjitest"}

    def getBuildTarget(self, info, event=None, strict=False):
        for target in self.targets.values():
            if info in (target["id"], target["name"]):
                return dict(target, build_tag=self._target_tag(target["build_tag_name"]),
                            dest_tag=self._target_tag(target["dest_tag_name"]))
        if strict:
            raise kojihub.xmlrpc.client.Fault(kojihub.GENERIC_ERROR, "No such build target: %s" % (info,))
        return None

    def _target_tag(self, name):
        found = [t["id"] for t in self.tags.values() if t["name"] == name]
        return found[0] if found else self.add_tag(name)

    def getImageBuild(self, buildInfo, strict=False):
        """{"build_id"} of an image build (NVR or id), else None."""
        build = self.getBuild(buildInfo)
        if build and build["id"] in self.image_builds:
            return {"build_id": build["id"]}
        if strict:
            raise kojihub.xmlrpc.client.Fault(kojihub.GENERIC_ERROR, "no image build: %r" % (buildInfo,))
        return None

    def init_image_build(self, task_id, name, version, release):
        """koji's initImageBuild as a non-scratch image task starts: the build NAME-VERSION-RELEASE
        made BUILDING for TASK_ID, or the error a real hub fails the task with when another task
        made that NVR (building: "Build already in progress"; done: "Build already exists"). Only
        with unique_nvrs set; else None, and a later task of an NVR replaces its files."""
        if not getattr(self, "unique_nvrs", False):
            return None
        nvr = "%s-%s-%s" % (name, version, release)
        with self.lock:
            build = next((b for b in self.builds.values() if b["nvr"] == nvr), None)
            if build is not None and build["task_id"] != task_id:
                if build["state"] == 0:
                    return "GenericError: Build already in progress (task %d)" % build["task_id"]
                return "GenericError: Build already exists (id=%d, state=COMPLETE): %s" % (build["id"], nvr)
            if build is None:
                build_id = len(self.builds) + 1
                self.builds[build_id] = dict(self._image_build(build_id, task_id, name, version, release), state=0)
        return None

    def _image_build(self, build_id, task_id, name, version, release):
        return {"id": build_id, "build_id": build_id, "name": name, "version": version, "release": release,
                "epoch": None, "nvr": "%s-%s-%s" % (name, version, release), "state": 1, "package_id": build_id,
                "package_name": name, "volume_id": 0, "volume_name": "DEFAULT", "owner_id": 1,
                "owner_name": self.user, "task_id": task_id, "creation_time": "2026-01-01 00:00:00.000000",
                "creation_ts": 1767225600.0, "completion_ts": 1767225600.0, "draft": False, "extra": None}

    def import_image(self, task_id, name, version, release, outdir, files):
        """koji's importImage: FILES of a child task's OUTDIR moved into the image build
        NAME-VERSION-RELEASE (made by the first child of parent TASK_ID), symlinks left behind.
        A later task of an NVR imported before replaces its files (a real hub refuses it: Build
        already exists; tests run a phase again with the same release)."""
        nvr = "%s-%s-%s" % (name, version, release)
        with self.lock:
            build = next((b for b in self.builds.values() if b["nvr"] == nvr), None)
            if build is None:
                build_id = len(self.builds) + 1
                build = self.builds[build_id] = self._image_build(build_id, task_id, name, version, release)
            build["state"] = 1
            self.image_builds.add(build["id"])
        images = os.path.join(self.build_dir(build), "images")
        os.makedirs(images, exist_ok=True)
        for filename in files:
            target = os.path.join(images, filename)
            os.replace(os.path.join(outdir, filename), target)
            os.symlink(os.path.relpath(target, outdir), os.path.join(outdir, filename))
