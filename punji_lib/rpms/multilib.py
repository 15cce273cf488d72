"""Pungi's multilib methods: which multilib-arch packages go next to their native twins.

Each method looks at the multilib package (e.g. foo.i686 on an x86_64 tree):
all (every one), devel (-devel/-static names or provides), runtime (shared
libraries and a few module directories), kernel (kernel, kernel-devel, kmod-*),
yaboot (the ppc boot loader), none. Kernel packages are left to the kernel
method. A blacklisted name is never multilib, a
whitelisted one always.
"""

import fnmatch
import os

METHODS = ("none", "all", "devel", "runtime", "kernel", "yaboot")
LIB_DIRS = ("/lib", "/lib64", "/usr/lib", "/usr/lib64")
MODULE_DIRS = ("security", "gconv", "sasl2")


def _devel(pool, i):
    if _kernel(pool, i):
        return False
    suffixes = ("-devel", "-static")
    if pool.name(i).endswith(suffixes):
        return True
    return any(p.split()[0].endswith(suffixes) for p in pool.provides(i))


def _runtime(pool, i):
    if _kernel(pool, i):
        return False
    for path in pool.files(i):
        directory, base = os.path.split(path)
        if directory in LIB_DIRS and fnmatch.fnmatchcase(base, "*.so.*"):
            return True
        for lib in LIB_DIRS:
            if any(path.startswith("%s/%s/" % (lib, module)) for module in MODULE_DIRS):
                return True
    return False


def _kernel(pool, i):
    if pool.name(i).startswith("kmod-"):
        return True
    return any(p.split()[0] in ("kernel", "kernel-devel") for p in pool.provides(i))


SELECT = {
    "none": lambda pool, i: False,
    "all": lambda pool, i: True,
    "devel": _devel,
    "runtime": _runtime,
    "kernel": _kernel,
    "yaboot": lambda pool, i: pool.name(i) == "yaboot" and pool.arch_of(i).startswith("ppc"),
}


def why(pool, i, methods, blacklist=(), whitelist=()):
    """The method that makes multilib package I wanted ('whitelist' for the whitelist), or None."""
    name = pool.name(i)
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in blacklist):
        return None
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in whitelist):
        return "whitelist"
    for method in methods:
        if SELECT[method](pool, i):
            return method
    return None
