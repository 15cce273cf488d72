"""Product certificates in a tree's repodata (Pungi's product_id options).

product_id names a directory (an scm dict, or a path) of PEM certificates, one per
variant.arch, named <variant uid>-<arch>-<anything>.pem (any prefix before the uid
with product_id_allow_name_prefix, the default). Each variant's os repo on each arch
gets its certificate as repodata of type productid (modifyrepo_c, gzip-compressed)
and as a plain repodata/productid beside it, as Pungi adds them; source and debug
repos get none. A variant.arch without a certificate, or with several, stops its
createrepo (a warning only with product_id_allow_missing), empty variants included,
since Pungi looks every variant.arch up before any repodata is made. The chosen
certificate is kept where Pungi keeps it: work/<arch>/product_id/<V>.<arch>.pem/productid.
"""

import fnmatch
import os
import shutil
import tempfile

from ..compose import layout
from ..config import scm
from ..errors import PunjiError
from ..log import log

OPTION = "option 'product_id'"


def certificate(topdir, conf, uid, arch, config_dir):
    """The path of the certificate of variant UID on ARCH, fetched from product_id and kept in
    work/; None when product_id is unset or, with product_id_allow_missing, there is none."""
    entry = conf.get("product_id")
    if not entry:
        return None
    if not isinstance(entry, dict):
        entry = {"scm": "file", "dir": entry}
    work = layout.at(topdir, layout.createrepo_work(arch))
    os.makedirs(work, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".product-id-", dir=work) as tmp:
        try:
            names = scm.export(entry, tmp, OPTION, config_dir, workdir=work, prefer="dir")
        except scm.MissingSource as e:
            if conf.get("product_id_allow_missing") and entry.get("scm") != "file":
                log.warning("%s: no product certificates (%s)", OPTION, e)
                return None
            raise
        found = _matching(names, uid, arch, conf.get("product_id_allow_name_prefix", True))
        if not found:
            message = "no product certificate for %s.%s (a file %s-%s-*.pem)" % (uid, arch, uid, arch)
            if conf.get("product_id_allow_missing"):
                log.warning("%s: %s", OPTION, message)
                return None
            raise PunjiError("%s: %s" % (OPTION, message))
        if len(found) > 1:
            raise PunjiError("%s: several product certificates for %s.%s: %s"
                             % (OPTION, uid, arch, ", ".join(found)))
        kept = layout.at(topdir, layout.product_id_file(uid, arch))
        os.makedirs(os.path.dirname(kept), exist_ok=True)
        shutil.copyfile(os.path.join(tmp, found[0]), kept)
    return kept


def _matching(names, uid, arch, any_prefix):
    """The certificates among NAMES (paths relative to the exported directory) for UID on ARCH:
    files at its top, as Pungi globs them."""
    pattern = ("*" if any_prefix else "") + "%s-%s-*.pem" % (uid, arch)
    return sorted(n for n in names if "/" not in n and not n.startswith(".") and fnmatch.fnmatchcase(n, pattern))


def add_to_repo(repo_dir, path):
    """Put the certificate PATH (a file named productid) into the repodata of REPO_DIR."""
    from .createrepo import modifyrepo

    modifyrepo(repo_dir, path, "productid", "--compress", "--compress-type=gz")
    shutil.copyfile(path, os.path.join(repo_dir, "repodata", "productid"))
