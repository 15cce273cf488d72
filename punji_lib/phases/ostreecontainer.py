"""OSTree native containers made with rpm-ostree (Pungi's ostree_container), all blocks of the compose.

ostree_container maps variant uid regexes to a block or a list of blocks; a
block runs on its 'arches' that the variant has (default every binary arch of
the variant). For each block, variant and arch, as Pungi's phase and
`pungi-make-ostree container` do:

  1. config_url (a git repository) is checked out at config_branch (default
     main) into work/<arch>/ostreecontainer/<variant>-<n>/tree;
  2. the treefile there is pointed at the block's repos (punji_lib.media.
     ostree_treefile: a variant uid is that variant's os tree in this compose;
     keep_original_sources keeps the treefile's own) and gets
     "automatic-version-prefix": <version>;
  3. `rpm-ostree compose image --initialize
     --touch-if-changed=logs/<arch>/ostreecontainer-<variant>-<n>/<name>.stamp
     <treefile> work/<arch>/ostreecontainer/<variant>-<n>/<name>.ociarchive`
     runs through the runroot method of "ostree_container" (a Koji runroot
     task weighs runroot_weights["ostree"]) with the packages ostree,
     rpm-ostree, selinux-policy-targeted and the block's runroot_packages;
     its output also goes to logs/<arch>/ostreecontainer-<variant>-<n>/runroot.log;
  4. the archive, which must hold an OCI image layout (oci-layout and
     index.json), is moved to compose/<variant>/<arch>/images/<name>.ociarchive.

<name> is <the block's name, else release_short-subvariant>-<arch>-<version>,
subvariant being the block's or the variant uid, and version the block's or
what the Pungi version generator it names makes (e.g.
!OSTREE_VERSION_FROM_LABEL_DATE_TYPE_RESPIN -> <release_version>.<image
release>); without a version, where Pungi writes "None", the name ends at the
arch and the treefile keeps its own automatic-version-prefix.

The archives are recorded in work/global/ostreecontainer/images.json as
productmd images (type and format "ociarchive", not bootable, the
subvariant), which punji-createiso --assemble adds to
compose/metadata/images.json. A block whose 'failable' lists the arch (or
"*"), or whose variant's failable_deliverables name "ostree-container" on the
arch, may fail: a warning, the state file records failed and the compose
finishes FINISHED_INCOMPLETE; any other failure fails the phase in one line.
ostree_container_use_koji_plugin is not implemented: Pungi's phase that records
the archives in images.json has no Koji plugin path either.
"""

import os

from ..compose import jsonio, layout, request
from ..config.lookup import block_can_fail, block_jobs
from ..errors import PunjiError
from ..koji import images, runroot
from ..log import log, warn
from ..media import ostree_treefile

PHASE = "ostreecontainer"
PROG = "punji-ostreecontainer"
DELIVERABLE = "ostree-container"
RUNROOT_PHASE = "ostree_container"
RUNROOT_WEIGHT = "ostree"
DEFAULT_BRANCH = "main"
PACKAGES = ["ostree", "rpm-ostree", "selinux-policy-targeted"]
IMAGE_TYPE = "ociarchive"


def plan(conf, tree):
    """[(variant, arch, number, block)] in variant, arch and config order."""
    return block_jobs(conf.get("ostree_container"), tree)


def can_fail(conf, uid, arch, block):
    return block_can_fail(conf, DELIVERABLE, uid, arch, block)


def archive_name(topdir, conf, uid, arch, block, what):
    """The archive's name without .ociarchive, and the version (None when the block has none)."""
    try:
        version = request.generated_version(topdir, conf["release_version"], block.get("version"))
    except PunjiError as exc:
        raise PunjiError("%s: version: %s" % (what, exc))
    base = block.get("name") or "%s-%s" % (conf["release_short"], block.get("subvariant") or uid)
    return "-".join([base, arch] + ([version] if version else [])), version


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    rr_conf = runroot.options(topdir)
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    found, failed = [], []
    for uid, arch_, number, block in plan(conf, tree):
        what = "option 'ostree_container' (variant %s, arch %s, block %d)" % (uid, arch_, number)
        failable = can_fail(conf, uid, arch_, block)
        try:
            record = one(topdir, conf, rr_conf, tree, uid, arch_, number, block, what)
        except PunjiError as exc:
            message = str(exc) if str(exc).startswith(what) else "%s: %s" % (what, exc)
            if not failable:
                raise PunjiError(message)
            warn(PROG, message + " (failable: the compose goes on without it)")
            failed.append(message)
            continue
        found.append({"variant": uid, "arch": arch_, "can_fail": failable, "image": record})
    images.publish(topdir, conf, PHASE, found, failed, {})


def one(topdir, conf, rr_conf, tree, uid, arch, number, block, what):
    """Make the OCI archive of one block for UID.ARCH and move it into the compose; its productmd record."""
    name, version = archive_name(topdir, conf, uid, arch, block, what)
    work = layout.at(topdir, layout.ostreecontainer_work_dir(uid, arch, number))
    logs = layout.at(topdir, layout.ostreecontainer_log_dir(uid, arch, number))
    treefile = ostree_treefile.checkout(topdir, block, work, logs, what, block.get("config_branch") or DEFAULT_BRANCH)
    updates = {"automatic-version-prefix": version} if version else {}
    ostree_treefile.tweak(topdir, treefile, block, tree, arch, what, updates)
    staged = os.path.join(work, name + ".ociarchive")
    argv = ["rpm-ostree", "compose", "image", "--initialize",
            "--touch-if-changed=%s" % os.path.join(logs, name + ".stamp"), treefile, staged]
    packages = PACKAGES + list(block.get("runroot_packages") or [])
    log.info("ostree_container %s.%s (block %d): rpm-ostree compose image %s", uid, arch, number, name)
    output = runroot.run(rr_conf, RUNROOT_PHASE, arch, argv, os.path.dirname(treefile), layout.log_file(PHASE),
                         packages, weight_key=RUNROOT_WEIGHT)
    jsonio.write_text(os.path.join(logs, "runroot.log"), output or "")
    check_oci_archive(staged, what)
    rel = os.path.join(layout.image_dir(uid, arch), name + ".ociarchive")
    os.makedirs(os.path.dirname(layout.at(topdir, rel)), exist_ok=True)
    os.replace(staged, layout.at(topdir, rel))
    log.info("ostree_container %s.%s (block %d): %s", uid, arch, number, rel)
    return images.image_record(topdir, rel, arch, IMAGE_TYPE, IMAGE_TYPE, block.get("subvariant") or uid)


def check_oci_archive(path, what):
    """PATH must be a tar archive of an OCI image layout."""
    import tarfile

    if not os.path.isfile(path):
        raise PunjiError("%s: rpm-ostree wrote no archive %s" % (what, path))
    try:
        with tarfile.open(path) as tar:
            names = {os.path.normpath(n) for n in tar.getnames()}
    except (tarfile.TarError, OSError) as exc:
        raise PunjiError("%s: %s is no tar archive: %s" % (what, path, exc))
    missing = [n for n in ("oci-layout", "index.json") if n not in names]
    if missing:
        raise PunjiError("%s: %s is no OCI archive (no %s in it)" % (what, path, " or ".join(missing)))
