"""Pungi 4.3.2's check of the arches gather inputs name.

A name.arch in additional_packages must name an arch a tree of its arch can
hold (its native arches, its multilib arches, noarch: "foo.s390" is fine on
s390x, "foo.s390x" on ppc64 or "foo.src" anywhere fails the compose), and so
must every gather_prepopulate entry, which needs an arch. Pungi checks
every additional_packages entry of every variant when the package set is
read from repos, and each variant's entries again when it gathers.
"""

from ..errors import PunjiError
from .pkgpool import gather_arches

# the arch suffixes Pungi 4.3.2 tells from a name's last dotted part (its yum arch table; any
# other suffix, e.g. ".riscv64" or ".+", is part of the name)
KNOWN_ARCHES = frozenset("""
    aarch64 alpha alphaev4 alphaev45 alphaev5 alphaev56 alphaev6 alphaev67 alphaev68 alphaev7 alphapca56
    amd64 arm64 armv5tejl armv5tel armv6hl armv6l armv7hl armv7hnl armv7l athlon geode i386 i486 i586 i686
    ia32e ia64 ppc ppc64 ppc64iseries ppc64le ppc64p7 ppc64pseries s390 s390x sh3 sh4 sh4a sparc sparc64
    sparc64v sparcv8 sparcv9 sparcv9v x86_64 noarch src nosrc""".split())


def compatible(tree_arch):
    """The package arches a tree of TREE_ARCH holds, multilib ones included, noarch last."""
    native, multilib = gather_arches(tree_arch)
    return native + multilib + ["noarch"]


def check(option, patterns, tree_arch, arch_needed=False):
    """One error line for the first of PATTERNS (entries of OPTION for TREE_ARCH) whose arch a
    tree of TREE_ARCH cannot hold; with ARCH_NEEDED, a pattern without an arch fails too."""
    allowed = compatible(tree_arch)
    for pattern in patterns:
        _name, dot, arch = pattern.rpartition(".")
        arch = arch if dot and arch in KNOWN_ARCHES else None
        if arch is None and not arch_needed:
            continue
        if arch not in allowed:
            raise PunjiError("option '%s': %r names %s, which an arch %s tree cannot hold (it takes %s)"
                             % (option, pattern, "arch %s" % arch if arch else "no arch", tree_arch,
                                ", ".join(allowed)))
