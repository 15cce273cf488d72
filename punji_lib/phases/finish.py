"""The last target: composeinfo.json and modules.json for what the compose holds, then STATUS,
then the compose's page (logs/global/report.html; a failure to write it is only a warning)."""

import glob
import os

from ..compose import dirs, jsonio, layout, report, request, state
from ..compose.latest_link import latest_link_name, refuse_what_is_no_link
from ..errors import NotReady
from ..log import log
from ..compose import status as compose_status


# the paths Pungi lists for a top-level variant only when their directory exists, for a child
# variant always (its composeinfo.json writer checks the top-level variants alone)
TREE_PATHS = ("os_tree", "packages", "repository", "debug_tree", "debug_packages", "debug_repository",
              "source_tree", "source_packages", "source_repository")


def tree_paths(v, arch):
    """composeinfo's path names for variant V on ARCH -> directories relative to compose/ (an
    addon's trees and images are its parent's, its repositories inside them)."""
    uid = v["uid"]
    top = v["parent"] if v["type"] == "addon" else uid
    tree = {kind: layout.tree_dir(top, arch, kind) for kind in ("os", "debug", "source")}
    repo = {kind: layout.repo_dir(v, arch, kind) for kind in ("os", "debug", "source")}
    packages = {kind: layout.packages_dir(v, arch, kind) for kind in ("os", "debug", "source")}
    paths = {
        "os_tree": tree["os"], "packages": packages["os"], "repository": repo["os"],
        "isos": layout.iso_dir(uid, arch), "images": layout.image_dir(top, arch),
        "debug_tree": tree["debug"], "debug_packages": packages["debug"], "debug_repository": repo["debug"],
        "source_tree": tree["source"], "source_packages": packages["source"], "source_repository": repo["source"],
        "source_isos": layout.iso_dir(uid, "src"),
        "jigdos": layout.jigdo_dir(uid, arch), "source_jigdos": layout.jigdo_dir(uid, "src"),
    }
    return {name: os.path.relpath(path, "compose") for name, path in paths.items()}


def composeinfo(topdir):
    """A productmd ComposeInfo for the compose: release, compose id, variants and
    the paths of the trees that exist."""
    from productmd.composeinfo import Variant

    from ..compose import composeid

    req = request.read(topdir)
    conf = jsonio.read_json(layout.at(topdir, layout.config_json()))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    ci = composeid.compose_info(conf, req["compose_type"], req["label"], req["date"], req["respin"])
    ci.compose.id = req["compose_id"]
    ci.compose.final = request.supported(topdir)
    made = {}
    for v in tree:
        variant = Variant(ci)
        # Pungi leaves the dashes out of the id productmd checks; the uid keeps them
        variant.id, variant.uid, variant.name, variant.type = v["id"].replace("-", ""), v["uid"], v["name"], v["type"]
        variant.arches = set(v["arches"])
        if v["type"] == "layered-product" and v["release"]:
            variant.release.name = v["release"].get("name")
            variant.release.short = v["release"].get("short")
            variant.release.version = v["release"].get("version")
            variant.release.type = ci.release.type  # Pungi: the compose's release_type
        _set_paths(topdir, variant, v)
        made[v["uid"]] = variant
        if v["parent"]:
            made[v["parent"]].add(variant)
        else:
            ci.variants.add(variant)
    return ci


def _set_paths(topdir, variant, v):
    """The paths of V's directories that exist; a child variant's trees and repositories even
    when they do not (an is_empty layered product's), as Pungi lists them."""
    compose = layout.at(topdir, "compose")
    for arch in v["arches"]:
        for name, rel in tree_paths(v, arch).items():
            if (v["parent"] and name in TREE_PATHS) or os.path.isdir(os.path.join(compose, rel)):
                getattr(variant.paths, name)[arch] = rel


def failures(topdir):
    """The state files that record a failed (failable) deliverable: a failed run, or failed
    images of a run that made others (an extra ISO of a block's failable_arches)."""
    found = []
    for path in sorted(glob.glob(layout.at(topdir, "work/*/state/*.json"))):
        data = jsonio.read_json(path)
        if data.get("failed") or data.get("failed_images"):
            found.append(os.path.relpath(path, topdir))
    return found


def modules_metadata(topdir):
    """A productmd Modules of the module streams createrepo put into each variant.arch's repodata
    (its state files), with the Koji content tag of each stream read from Koji. Streams read
    from repos have no Koji tag: they get Pungi's "DUMMY", the tag it gives streams of
    createrepo_extra_modulemd."""
    from productmd.modules import Modules

    req = request.read(topdir)
    metadata = Modules()
    metadata.compose.id, metadata.compose.type = req["compose_id"], req["compose_type"]
    metadata.compose.date, metadata.compose.respin = req["date"], req["respin"]
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    for v in tree:
        for arch in v["arches"]:
            path = layout.at(topdir, layout.state_file("createrepo", v["uid"], arch))
            if not os.path.isfile(path):
                continue
            os_repo = (jsonio.read_json(path).get("repos") or {}).get("os") or {}
            for stream in os_repo.get("modules", []):
                metadata.add(v["uid"], arch, stream["nsvc"], stream.get("koji_tag", "DUMMY"),
                             stream["modulemd_path"], "binary", stream["rpms"])
    return metadata


def run(topdir, variant=None, arch=None):
    _refuse_unfinished(topdir)
    ci = composeinfo(topdir)
    jsonio.write_text(layout.at(topdir, layout.composeinfo_json()), ci.dumps())
    jsonio.write_text(layout.at(topdir, layout.modules_json()), modules_metadata(topdir).dumps())
    status = "FINISHED_INCOMPLETE" if failures(topdir) else "FINISHED"
    compose_status.set_status(topdir, status)
    links_before, state_before = latest_links(topdir), state.stamp(topdir, "finish")
    link = update_latest_link(topdir, status)
    try:
        state.write(topdir, "finish", status=status, latest_link=link)
    except BaseException:
        if link and state.stamp(topdir, "finish") in (None, state_before):
            # the compose ends DOOMED after all (a full disk): no latest link may name it
            _put_back(topdir, link, links_before.get(link))
        raise
    report.write_quietly(topdir, "punji-finish")


def _refuse_unfinished(topdir):
    """One error line when a target before this one has not made its state file: make runs this
    last, but by hand it would call a compose FINISHED, and move the latest link to it, with
    trees still missing."""
    targets = jsonio.read_json(layout.at(topdir, layout.targets_json()))["targets"]
    left = [(compose_status.target_state(topdir, t), t) for t in targets
            if t["phase"] != "finish" and not os.path.exists(layout.at(topdir, t["target"]))]
    if left:
        left.sort(key=lambda st: st[0] == "pending")  # a failed one first: it is what to fix
        named = ", ".join("%s %s (%s)" % (t["phase"], ".".join(x for x in (t["variant"], t["arch"]) if x) or "global",
                                          how) for how, t in left[:3])
        raise NotReady("%d targets are not done yet: %s%s; run make in the compose to finish it"
                       % (len(left), named, ", ..." if len(left) > 3 else ""))


def latest_links(topdir):
    """{name: what it points at} of the latest links beside the compose TOPDIR."""
    parent = os.path.dirname(os.path.abspath(topdir))
    return {name: os.readlink(os.path.join(parent, name)) for name in os.listdir(parent)
            if name.startswith("latest-") and os.path.islink(os.path.join(parent, name))}


def _put_back(topdir, name, before):
    """The latest link NAME beside TOPDIR pointed at BEFORE again (removed when None)."""
    link = os.path.join(os.path.dirname(os.path.abspath(topdir)), name)
    try:
        if before is None:
            os.unlink(link)
        else:
            dirs.place(link, lambda tmp: os.symlink(before, tmp))
    except OSError as exc:
        log.warning("%s still points at this compose, which did not finish: %s", link, exc)


def update_latest_link(topdir, status):
    """Point the latest link in the target directory at this compose (atomically), unless the
    compose's options say not to or it ended with a status they do not list, or the link
    already points at a newer compose. The link's name, or None."""
    from ..compose.reuse import COMPOSE_ID

    options = request.read(topdir).get("options") or {}
    if not options.get("latest_link", True):
        return None
    allowed = [s.upper() for s in options.get("latest_link_status") or []]
    if allowed and status not in allowed:
        log.warning("STATUS %s is not in --latest-link-status (%s): the latest link stays", status, ", ".join(allowed))
        return None
    conf = jsonio.read_json(layout.at(topdir, layout.config_json()))
    name = latest_link_name(conf, options.get("latest_link_components", -1))
    topdir = os.path.abspath(topdir)
    link = os.path.join(os.path.dirname(topdir), name)
    refuse_what_is_no_link(link)
    current = COMPOSE_ID.match(os.readlink(link)) if os.path.islink(link) else None
    mine = COMPOSE_ID.match(os.path.basename(topdir))
    if current and mine and (current.group("date"), int(current.group("respin"))) > \
            (mine.group("date"), int(mine.group("respin"))):
        log.info("%s points at the newer %s: it stays", name, os.readlink(link))
        return None
    dirs.place(link, lambda tmp: os.symlink(os.path.basename(topdir), tmp))
    log.info("%s -> %s", link, os.path.basename(topdir))
    return name
