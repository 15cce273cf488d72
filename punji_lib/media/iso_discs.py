"""One disc of a tree's images: what goes on it (Pungi's createiso graft points).

A disc holds its share of the tree's files and its own .treeinfo ([media] section: its
number, the count; no boot.iso) and .discinfo (its number); a disc of a split tree gets
repodata over its own packages, made as Pungi makes it. A disc that fails where
failable_deliverables lets the tree's ISOs fail goes alone (failed_disc).
"""

import os
import shutil

from ..compose import jsonio, layout
from ..config.lookup import va_data
from ..errors import NotFailable, PunjiError, as_user_error
from ..log import log, warn
from . import iso

PER_DISC = (".treeinfo", ".discinfo")


def disc_content(topdir, top, files, members, disc_dir, number, count, v, log_path):
    """{ISO path: disk path} of one disc: its tree files, with its own .treeinfo and
    .discinfo (and, when the tree is split, repodata over the disc's part of Packages/) from DISC_DIR."""
    os.makedirs(disc_dir)
    content = {rel: files[rel] for rel in members if rel not in PER_DISC}
    packages = [rel for rel in members if rel.startswith("Packages/") and rel.endswith(".rpm")]
    if count > 1 and packages:  # a disc of addons' packages alone gets no repodata (Pungi's)
        disc_repodata(topdir, top, disc_dir, packages, log_path)
        for root, _dirs, names in os.walk(os.path.join(disc_dir, "repodata")):
            for name in names:
                path = os.path.join(root, name)
                content[os.path.relpath(path, disc_dir)] = path
    if ".treeinfo" in files:
        path = os.path.join(disc_dir, ".treeinfo")
        checksum = jsonio.read_json(layout.at(topdir, layout.config_slice("createrepo"))).get("createrepo_checksum")
        write_treeinfo(files[".treeinfo"], path, number, count, v, disc_dir if count > 1 else None,
                        checksum or "sha256")
        content[".treeinfo"] = path
    if ".discinfo" in files:
        path = os.path.join(disc_dir, ".discinfo")
        write_discinfo(files[".discinfo"], path, number)
        content[".discinfo"] = path
    return content


def write_treeinfo(source, target, number, count, v, repo_root=None, checksum="sha256"):
    """The tree's .treeinfo for disc NUMBER of COUNT: a [media] section, no boot.iso; with
    REPO_ROOT, the CHECKSUM of repodata/repomd.xml is that of REPO_ROOT's."""
    from ..media import treeinfo

    ti = treeinfo.load(source)
    ti.media.discnum, ti.media.totaldiscs = number, count
    for images in ti.images.images.values():
        path = images.pop("boot.iso", None)
        if path:
            ti.checksums.checksums.pop(path, None)
    repomd = "repodata/repomd.xml"
    if repo_root:  # the disc's own repodata, as Pungi lists it
        ti.checksums.checksums.pop(repomd, None)
        if os.path.isfile(os.path.join(repo_root, repomd)):
            ti.checksums.add(repomd, checksum, root_dir=repo_root)
    main = ti.variants.variants.get(v["id"]) and v["id"] or next(iter(sorted(ti.variants.variants)), None)
    jsonio.write_text(target, treeinfo.dumps(ti, main))


def write_discinfo(source, target, number):
    """The tree's .discinfo with NUMBER as its disc numbers (the fourth line)."""
    with open(source, encoding="utf-8") as f:
        lines = f.read().splitlines()
    lines = (lines + [""] * 4)[:max(4, len(lines))]
    lines[3] = str(number)
    jsonio.write_text(target, "\n".join(lines) + "\n")


def disc_repodata(topdir, top, disc_dir, packages, log_path):
    """repodata in DISC_DIR over PACKAGES of tree TOP, made as Pungi makes a split disc's:
    createrepo_c reusing the tree's metadata, with sqlite databases and createrepo_checksum,
    and no other createrepo option (no group file: Pungi's discs have none). Its revision and
    time stamps are the tree's repodata revision, not the clock's (Pungi's), so that a disc
    made again (a resumed compose) is the same."""
    cr_conf = jsonio.read_json(layout.at(topdir, layout.config_slice("createrepo")))
    checksum = cr_conf.get("createrepo_checksum") or "sha256"
    pkglist = disc_dir + ".pkglist"
    with open(pkglist, "w", encoding="utf-8") as f:
        f.write("".join(rel + "\n" for rel in packages))
    cmd = ["createrepo_c", "--update", "--update-md-path", top, "--database", "--skip-stat", "--pkglist", pkglist,
           "--outputdir", disc_dir, "--checksum", checksum,
           "--revision", repodata_revision(top), "--set-timestamp-to-revision"]
    if cr_conf.get("createrepo_num_workers"):
        cmd += ["--workers", str(cr_conf["createrepo_num_workers"])]
    iso.run_tool(cmd + [top], log_path, os.path.basename(disc_dir))
    os.unlink(pkglist)
    for name in unlisted_repodata_files(top):
        shutil.copy2(os.path.join(top, "repodata", name), os.path.join(disc_dir, "repodata", name))


def unlisted_repodata_files(top):
    """The files of tree TOP's repodata/ its repomd.xml does not list (the plain productid
    Pungi's createrepo leaves there): Pungi copies the tree's repodata/ to a split disc before
    createrepo_c updates it, which replaces only the files of the records it knew."""
    import xml.etree.ElementTree as ElementTree

    repodata = os.path.join(top, "repodata")
    listed = {"repomd.xml"}
    for element in ElementTree.parse(os.path.join(repodata, "repomd.xml")).getroot().iter():
        if element.tag.endswith("}location") or element.tag == "location":
            listed.add(os.path.basename(element.get("href", "")))
    return sorted(name for name in os.listdir(repodata)
                  if name not in listed and os.path.isfile(os.path.join(repodata, name)))


def repodata_revision(top):
    """The revision of tree TOP's repodata/repomd.xml."""
    import xml.etree.ElementTree as ElementTree

    for element in ElementTree.parse(os.path.join(top, "repodata", "repomd.xml")).getroot():
        if element.tag.rsplit("}", 1)[-1] == "revision":
            return element.text.strip()
    raise PunjiError("%s/repodata/repomd.xml has no revision" % top)


def failed_disc(conf, v, arch, output, number, exc):
    """EXC, the failure of writing disc NUMBER of tree V.ARCH to OUTPUT, raised again unless
    failable_deliverables lets the tree's ISOs fail: then, as Pungi 4.3.2 writes each disc in a
    failable task of its own, the half-written image goes and the other discs stay; returns
    what the state file records of it."""
    known = as_user_error(exc)
    if isinstance(known, NotFailable) or "iso" not in va_data(conf.get("failable_deliverables"), v["uid"], arch):
        raise exc
    for path in (output, output + ".manifest"):
        if os.path.lexists(path):
            os.unlink(path)
    name = os.path.basename(output)
    message = str(known) if known else "%s: %s" % (type(exc).__name__, exc)
    log.error("disc %d of %s.%s failed, %s removed: %s", number, v["uid"], arch, name, message)
    return {"image": name, "disc": number, "error": message}


def warn_failed_disc(prog, v, arch, disc):
    """A warning naming DISC (failed_disc's record) of tree V.ARCH; DISC."""
    warn(prog, "%s (failable_deliverables: the compose goes on without disc %d of %s.%s, %s)"
         % (disc["error"], disc["disc"], v["uid"], arch, disc["image"]))
    return disc
