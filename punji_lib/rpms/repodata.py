"""Writing yum repodata with createrepo_c from package metadata already in memory."""

import os
import shutil

from ..compose import dirs
from ..config.repo_refs import is_remote
from ..errors import PunjiError
from . import linker

# no other.xml (changelogs): the package set's repo is read by solvers and installers only
KINDS = ("primary", "filelists")


def write_repo(repo_dir, packages, revision=0):
    """A yum repo in REPO_DIR over PACKAGES, [(file path, createrepo_c Package)]: the files
    linked into Packages/, the metadata written from the Package objects. Built in a
    directory beside REPO_DIR, then renamed into place."""
    tmp = dirs.aside(repo_dir)
    try:
        os.makedirs(os.path.join(tmp, "Packages"))
        names = set()
        for path, pkg in packages:
            if is_remote(path):  # left where it is: the metadata points at it (xml:base)
                pkg.location_base, pkg.location_href = path.rsplit("/", 1)
                pkg.location_base += "/"
                continue
            name = os.path.basename(path)
            if name in names:  # the same file name from two repos: keep them apart
                name = "%s-%s" % (pkg.pkgId[:12], name)
            names.add(name)
            linker.link_or_symlink(os.path.abspath(path), os.path.join(tmp, "Packages", name))
            pkg.location_href = "Packages/" + name
            pkg.location_base = None
        write_metadata(tmp, [pkg for _path, pkg in packages], revision)
        os.chmod(tmp, 0o755)
        dirs.swap(tmp, repo_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_metadata(top, packages, revision=0):
    """TOP/repodata: primary and filelists (gzip) and repomd.xml for PACKAGES."""
    import createrepo_c as cr

    repodata = os.path.join(top, "repodata")
    os.makedirs(repodata)
    files = {
        "primary": cr.PrimaryXmlFile(os.path.join(repodata, "primary.xml.gz")),
        "filelists": cr.FilelistsXmlFile(os.path.join(repodata, "filelists.xml.gz")),
    }
    try:
        for xml in files.values():
            xml.set_num_of_pkgs(len(packages))
        for pkg in packages:
            for xml in files.values():
                xml.add_pkg(pkg)
    except cr.CreaterepoCError as exc:
        raise PunjiError("cannot write repodata in %s: %s" % (top, exc))
    finally:
        for xml in files.values():
            xml.close()
    repomd = cr.Repomd()
    repomd.set_revision(str(revision))
    for kind in KINDS:
        record = cr.RepomdRecord(kind, os.path.join(repodata, "%s.xml.gz" % kind))
        record.fill(cr.SHA256)
        record.set_timestamp(int(revision))
        record.rename_file()
        repomd.set_record(record)
    repomd.sort_records()
    with open(os.path.join(repodata, "repomd.xml"), "w", encoding="utf-8") as f:
        f.write(repomd.xml_dump())

