"""Module builds on the Koji test hub (tests/kojihub.py's Hub takes these methods).

A module build is laid out as the Module Build Service imports it into Koji: a build
of btype "module" named <name>-<stream with '-' as '_'>-<version>.<context>, its
extra.typeinfo.module giving name, stream, version, context, content_koji_tag and
modulemd_str, and "module" archives modulemd.txt and modulemd.<arch>.txt stored
under packages/<name>/<stream>/<version>.<context>/files/module/. The RPM builds of
the module are tagged into its content tag.

The hub calls: listTagged (type="module" keeps the builds of that btype), listArchives,
search (type "build", matchType "glob" as koji's: case-insensitive, * and ?).
"""

import fnmatch
import hashlib
import os
import xmlrpc.client

GENERIC_ERROR = 1000
MODULE_BTYPE_ID = 4  # koji's btype ids: rpm 1, maven 2, win 3, image 4... (module is registered by a plugin)


class ModuleBuilds:
    FIXTURE_CALLS = {"add_module_build"}

    def _module_data(self):
        return self.__dict__.setdefault("_modules", {"archives": {}, "btypes": {}})

    # -- fixture side -------------------------------------------------------------------

    def add_module_build(self, name, stream, version, context, content_tag, files, state=1, completion_ts=None):
        """A module build with the "module" archives FILES ({filename: text}, e.g.
        modulemd.txt and modulemd.x86_64.txt); its buildinfo."""
        with self.lock:
            build_id = len(self.builds) + 1
            release = "%s.%s" % (version, context)
            koji_version = stream.replace("-", "_")
            nvr = "%s-%s-%s" % (name, koji_version, release)
            ts = 1704067200.0 if completion_ts is None else completion_ts
            info = {"name": name, "stream": stream, "version": str(version), "context": context,
                    "content_koji_tag": content_tag, "modulemd_str": files.get("modulemd.txt", "")}
            build = {"id": build_id, "build_id": build_id, "name": name, "version": koji_version,
                     "release": release, "epoch": None, "nvr": nvr, "state": state, "package_id": build_id,
                     "package_name": name, "volume_id": 0, "volume_name": "DEFAULT", "owner_id": 1,
                     "owner_name": "mbs", "task_id": None, "creation_time": "2024-01-01 00:00:00",
                     "creation_ts": ts, "completion_ts": ts, "draft": False,
                     "extra": {"typeinfo": {"module": info}}}
            self.builds[build_id] = build
            data = self._module_data()
            data["btypes"][build_id] = {"module"}
            directory = os.path.join(self.build_dir(build), "files", "module")
            os.makedirs(directory, exist_ok=True)
            for filename, text in sorted(files.items()):
                if text is not None:
                    with open(os.path.join(directory, filename), "w") as f:
                        f.write(text)
                archive_id = len(data["archives"]) + 1
                data["archives"][archive_id] = {
                    "id": archive_id, "build_id": build_id, "filename": filename, "type_id": 1,
                    "type_name": "txt", "type_description": "Text file", "type_extensions": "txt",
                    "btype": "module", "btype_id": MODULE_BTYPE_ID, "buildroot_id": None,
                    "size": len((text or "").encode()), "checksum": hashlib.md5((text or "").encode()).hexdigest(),
                    "checksum_type": 0, "metadata_only": False, "extra": None}
            return dict(build)

    # -- hub calls ------------------------------------------------------------------------

    def listTagged(self, tag, event=None, inherit=False, prefix=None, latest=False, package=None, owner=None,
                   type=None, strict=True, extra=False, draft=None):
        _rpms, builds = self.listTaggedRPMS(tag, event=event, inherit=inherit, latest=latest, package=package)
        btypes = self._module_data()["btypes"]
        result = []
        for build in builds:
            if type is not None and type not in btypes.get(build["id"], {"rpm"}):
                continue
            if prefix and not build["name"].startswith(prefix):
                continue
            if not extra:
                build = {k: v for k, v in build.items() if k != "extra"}
            result.append(build)
        return result

    def listArchives(self, buildID=None, buildrootID=None, componentBuildrootID=None, hostID=None, type=None,
                     filename=None, size=None, checksum=None, checksum_type=None, typeInfo=None, queryOpts=None,
                     imageID=None, archiveID=None, strict=False):
        archives = self._module_data()["archives"].values()
        return [dict(a) for a in sorted(archives, key=lambda a: a["id"])
                if (buildID is None or a["build_id"] == buildID) and (filename is None or a["filename"] == filename)
                and (type is None or type == a["btype"])]

    def search(self, terms, type, matchType, queryOpts=None):
        if type != "build":
            raise xmlrpc.client.Fault(GENERIC_ERROR, "this test hub searches builds only, not %r" % (type,))
        if matchType == "glob":
            def match(nvr):
                return fnmatch.fnmatchcase(nvr.lower(), terms.lower())
        elif matchType == "exact":
            def match(nvr):
                return nvr == terms
        else:
            raise xmlrpc.client.Fault(GENERIC_ERROR, "this test hub has no matchType %r" % (matchType,))
        return [{"id": b["id"], "name": b["nvr"]} for b in sorted(self.builds.values(), key=lambda b: b["id"])
                if match(b["nvr"])]
