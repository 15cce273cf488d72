"""The old compose's package trees hard-linked aside while the package set is read.

A compose made from the inputs of the last finished one takes its trees over in gather
--assemble: hard links to every package file of the compose, most of a nightly's work when
nothing changed. This target makes those links into work/global/prelink/ first, beside the
package set (which leaves a core free when it takes its own outputs over), and gather takes
the copies (compose.reuse.link_all). When the package sets' inputs differ from the old
compose's (a nightly after a package was rebuilt), gather makes each tree from its copy
all the same, linking only the files that changed (rpms.linker.patch_dir): linking every
file of the trees is most of its assembly, and here it happens while the package sets are
read.
"""

import os

from ..compose import jsonio, layout, reuse, state
from ..errors import PunjiError
from ..log import log


NICENESS = 10  # as the launcher's lighter trees


def run(topdir, variant=None, arch=None):
    from ..rpms import assemble

    conf = jsonio.read_json(layout.at(topdir, layout.config_slice("gather")))
    old = reuse.old_compose(topdir)
    if not conf.get("gather_allow_reuse", True):
        reason = "gather_allow_reuse is off"
    else:
        reason = "no old compose to take trees over from" if old is None else None
    if reason:
        reuse.drop_prelinked(topdir)
        log.info("prelink: nothing linked: %s", reason)
        state.write(topdir, "prelink", linked=0)
        return
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    differ = _package_sets_differ(topdir, old)
    if differ:  # the package sets are read meanwhile, and gather waits for them first: they come first
        os.nice(NICENESS)
    count = reuse.prelink(topdir, old, assemble.tree_outputs(tree))
    log.info("prelink: %d files of the trees of %s linked%s", count, old,
             "; %s: gather makes its trees from them, linking what changed" % differ if differ else "")
    state.write(topdir, "prelink", linked=count, old=old)


def _package_sets_differ(topdir, old):
    """Why the package sets of this compose will not be those of OLD (so neither its trees),
    or None: the fingerprint of each arch's package set from local repos against OLD's. A
    package set from Koji or remote repos is not judged here (that would read them twice)."""
    from ..config import repo_refs, variants
    from ..rpms import pkgset_inputs

    conf = jsonio.read_json(layout.at(topdir, layout.config_slice("pkgset")))
    if conf.get("pkgset_source") != "repos":
        return None
    arches = variants.all_arches(jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"])
    for arch in arches:
        if any(repo_refs.is_remote(r) for r in pkgset_inputs.repos_of(conf, arch, arches)):
            return None
        try:
            inputs = pkgset_inputs.fingerprint(topdir, conf, arch, arches)
            before = jsonio.read_json(layout.at(old, layout.state_file("pkgset", None, arch))).get("inputs")
        except (PunjiError, OSError, ValueError):
            return "the package set of %s cannot be compared with the old compose's" % arch
        if inputs != before:
            return "the package set of %s is not the old compose's" % arch
    return None
