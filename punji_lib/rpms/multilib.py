"""Pungi's multilib methods: which multilib-arch packages go next to their native twins.

Each method looks at the multilib package (e.g. foo.i686 on an x86_64 tree), as
python-multilib's methods do when Pungi makes them without a multilib.conf:
all (every one); runtime (shared libraries in the library directories, PAM
modules in /lib*/security, plugin directories of a list of frameworks, ld.so.conf.d
snippets; never a package named kernel* providing "kernel"); devel (what runtime
takes, and -devel/-static names; a kernel* package by its -devel/-static provides,
never one providing kernel-devel; never ghc-*); none. punji also has kernel
(kernel, kernel-devel, kmod-*) and yaboot (the ppc boot loader), which Pungi's
dnf backend does not offer. A blacklisted name is never multilib, a whitelisted
one always.
"""

import fnmatch

from . import globs

METHODS = ("none", "all", "devel", "runtime", "kernel", "yaboot")
ROOT_LIB_DIRS = ("/lib", "/lib64")
USR_LIB_DIRS = ("/usr/lib", "/usr/lib64")
LIB_DIRS = ROOT_LIB_DIRS + USR_LIB_DIRS
RUNTIME_DIRS = {"%s/%s" % (top, sub) for top in USR_LIB_DIRS for sub in (
    "alsa-lib", "dri", "gtk-2.0/modules", "gtk-2.0/immodules", "krb5/plugins", "sasl2", "vdpau")}
RUNTIME_DIRS |= {"%s/security" % top for top in ROOT_LIB_DIRS} | {"/etc/lsb-release.d"}
GTK2_GLOBS = ["/usr/lib*/gtk-2.0/*/" + kind
              for kind in ("engines", "modules", "immodules", "loaders", "printbackends", "filesystems")]
PLUGIN_GLOBS = ("/usr/lib*/qt*/plugins/*", "/usr/lib*/kde*/plugins/*", "/usr/lib*/qt5/qml/*",
                "/usr/lib*/gdk-pixbuf-2.0/*/loaders", "/usr/lib*/xine/plugins/*")


def _provided_names(pool, i):
    return [p.split()[0] for p in pool.provides(i)]


def runtime_file(path):
    directory, base = path.rsplit("/", 1) if "/" in path else ("", path)
    if directory in LIB_DIRS and fnmatch.fnmatchcase(base, "*.so.*"):
        return True
    if directory in RUNTIME_DIRS:
        return True
    if directory == "/etc/ld.so.conf.d" and base.endswith(".conf"):
        return True
    if directory in ROOT_LIB_DIRS and base.startswith(("libnss_", "libdb-")):
        return True
    if not directory.startswith(USR_LIB_DIRS):
        return False
    if directory.startswith(("/usr/lib/gtk-2.0", "/usr/lib64/gtk-2.0")):
        return any(fnmatch.fnmatchcase(directory, g) for g in GTK2_GLOBS)
    if directory.startswith(("/usr/lib/gstreamer-", "/usr/lib64/gstreamer-")):
        return True
    if any(fnmatch.fnmatchcase(directory, g) for g in PLUGIN_GLOBS):
        return True
    if directory in ("/usr/lib/oprofile", "/usr/lib64/oprofile") and fnmatch.fnmatchcase(base, "*.so.*"):
        return True
    if directory in ("/usr/lib/wine", "/usr/lib64/wine") and base.endswith(".so"):
        return True
    return directory in ("/usr/lib/sane", "/usr/lib64/sane") and base.startswith("libsane-")


def _runtime(pool, i):
    if pool.name(i).startswith("kernel") and "kernel" in _provided_names(pool, i):
        return False
    return any(runtime_file(path) for path in pool.files(i))


def _devel(pool, i):
    name = pool.name(i)
    if _runtime(pool, i):
        return True
    if name.startswith("ghc-"):
        return False
    if name.startswith("kernel"):
        for provided in _provided_names(pool, i):
            if provided == "kernel-devel":
                return False
            if provided.endswith(("-devel", "-static")):
                return True
    return name.endswith(("-devel", "-static"))


def _kernel(pool, i):
    if pool.name(i).startswith("kmod-"):
        return True
    return any(p in ("kernel", "kernel-devel") for p in _provided_names(pool, i))


SELECT = {
    "none": lambda pool, i: False,
    "all": lambda pool, i: True,
    "devel": _devel,
    "runtime": _runtime,
    "kernel": _kernel,
    "yaboot": lambda pool, i: pool.name(i) == "yaboot" and pool.arch_of(i).startswith("ppc"),
}


def why(pool, i, methods, blacklist=(), whitelist=(), match=globs.match):
    """The method that makes multilib package I wanted ('whitelist' for the whitelist), or None.
    MATCH(name, glob) reads the lists (the gather solver's queries read them as DNF does, the
    hybrid method with Python's fnmatch)."""
    name = pool.name(i)
    if any(match(name, pattern) for pattern in blacklist):
        return None
    if any(match(name, pattern) for pattern in whitelist):
        return "whitelist"
    for method in methods:
        if SELECT[method](pool, i):
            return method
    return None
