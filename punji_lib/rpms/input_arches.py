"""Pungi 4.3.2's check of the arches gather inputs name.

A name.arch in additional_packages must name an arch a tree of its arch can
hold (its native arches, its multilib arches, noarch: "foo.s390" is fine on
s390x, "foo.s390x" on ppc64 or "foo.src" anywhere fails the compose), and so
must every gather_prepopulate entry, which needs an arch. Pungi checks
every additional_packages entry of every variant when the package set is
read from repos, and each variant's entries again when it gathers.
"""

from ..errors import PunjiError
from .nodeps import split_name_arch
from .pkgpool import gather_arches


def compatible(tree_arch):
    """The package arches a tree of TREE_ARCH holds, multilib ones included, noarch last."""
    native, multilib = gather_arches(tree_arch)
    return native + multilib + ["noarch"]


def check(option, patterns, tree_arch, arch_needed=False):
    """One error line for the first of PATTERNS (entries of OPTION for TREE_ARCH) whose arch a
    tree of TREE_ARCH cannot hold; with ARCH_NEEDED, a pattern without an arch fails too."""
    allowed = compatible(tree_arch)
    for pattern in patterns:
        arch = split_name_arch(pattern)[1]
        if arch is None and not arch_needed:
            continue
        if arch not in allowed:
            raise PunjiError("option '%s': %r names %s, which a %s tree cannot hold (it takes %s)"
                             % (option, pattern, "arch %s" % arch if arch else "no arch", tree_arch,
                                ", ".join(allowed)))
