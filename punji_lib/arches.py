"""Compose arches and the package arches that belong to them."""

# compose (tree) arch -> package arches of the same family, best first
FAMILY = {
    "x86_64": ["x86_64", "amd64", "ia32e"],
    "i386": ["i686", "athlon", "geode", "i586", "i486", "i386"],
    "aarch64": ["aarch64"],
    "armhfp": ["armv7hl", "armv7hnl"],
    "ppc64le": ["ppc64le"],
    "ppc64": ["ppc64", "ppc64p7"],
    "ppc": ["ppc"],
    "s390x": ["s390x"],
    "s390": ["s390"],
    "riscv64": ["riscv64"],
    "loongarch64": ["loongarch64"],
    "src": ["src", "nosrc"],
}

# compose arch -> the compose arch whose packages are its multilib partners
MULTILIB_PARTNER = {"x86_64": "i386", "ppc64": "ppc", "s390x": "s390"}

# package arches a variant may name as its compose arch instead of i386 (Rocky composes
# i686 trees), as Pungi composes any arch: such a tree takes the packages of the arches rpm
# finds it compatible with, this chain followed down (i686: i686, i586, i486, i386)
COMPATIBLE_NEXT = {"athlon": "i686", "i686": "i586", "geode": "i586", "i586": "i486", "i486": "i386"}


def is_compose_arch(arch):
    """Whether a variant may name ARCH (src is no arch of its own)."""
    return arch != "src" and (arch in FAMILY or arch in COMPATIBLE_NEXT)


def family(arch):
    """The package arches native to compose ARCH: family('i386') -> ['i686', ..., 'i386']."""
    if arch in FAMILY:
        return list(FAMILY[arch])
    chain = [arch]
    while chain[-1] in COMPATIBLE_NEXT:
        chain.append(COMPATIBLE_NEXT[chain[-1]])
    return chain


def compatible(arch, multilib=True):
    """The package arches installable on compose ARCH, noarch included, best first."""
    result = family(arch)
    partner = MULTILIB_PARTNER.get(arch)
    if multilib and partner:
        result += family(partner)
    return result + ["noarch"]
