"""lorax, which makes a tree's installer images: when it runs, and its command line.

Pungi's buildinstall runs lorax once per variant of type 'variant' and arch;
ostree_installer runs it too, with options of its own.
"""

import os

from ..compose import layout, request
from ..config.lookup import va_data
from ..errors import PunjiError
from . import naming


def skip_reason(conf, v, arch):
    """Why V.ARCH gets no installer images, or None (Pungi: only variants of type 'variant')."""
    if v["type"] != "variant":
        return "%s (lorax runs for variants of type 'variant' only)" % v["type"]
    if v.get("is_empty"):
        return "empty variant"
    if any(va_data(conf.get("buildinstall_skip"), v["uid"], arch)):
        return "buildinstall_skip"
    return None


def lorax_options(conf, uid, arch):
    """The lorax_options blocks for UID.ARCH merged in config order (later keys win)."""
    merged = {}
    for block in va_data(conf.get("lorax_options"), uid, arch):
        merged.update(block)
    return merged


def extra_sources(topdir, conf, uid, arch):
    """The lorax_extra_sources of UID.ARCH as URLs (local paths, relative to the config file's
    directory, become file:// URLs)."""
    base = request.config_dir(topdir)
    return [s if "://" in s else "file://" + os.path.normpath(os.path.join(base, s))
            for s in va_data(conf.get("lorax_extra_sources"), uid, arch)]


def command(topdir, conf, v, arch, output, logfile):
    """The lorax argument list for V.ARCH writing into OUTPUT (see the module docstring)."""

    opts = lorax_options(conf, v["uid"], arch)
    version = opts.get("version") or conf.get("treeinfo_version") or conf["release_version"]
    cmd = ["lorax", "--product=%s" % conf["release_name"], "--version=%s" % version,
           "--release=%s" % conf["release_version"]]
    sources = ["file://" + layout.at(topdir, layout.pkgset_repo(arch))] + extra_sources(topdir, conf, v["uid"], arch)
    cmd += ["--source=%s" % s for s in sources]
    cmd.append("--variant=%s" % v["uid"])
    if opts.get("bugurl"):
        cmd.append("--bugurl=%s" % opts["bugurl"])
    if opts.get("nomacboot", True):
        cmd.append("--nomacboot")
    if opts.get("noupgrade", True):
        cmd.append("--noupgrade")
    if request.read(topdir)["compose_type"] == "production":
        cmd.append("--isfinal")
    cmd.append("--buildarch=%s" % arch)
    cmd.append("--volid=%s" % naming.boot_volume_id(topdir, conf, v, arch))
    cmd.append("--logfile=%s" % logfile)
    cmd += ["--installpkgs=%s" % p for p in v.get("buildinstallpackages") or []]
    for key, flag in (("add_template", "--add-template"), ("add_arch_template", "--add-arch-template"),
                      ("add_template_var", "--add-template-var"),
                      ("add_arch_template_var", "--add-arch-template-var")):
        cmd += ["%s=%s" % (flag, x) for x in opts.get(key) or []]
    if opts.get("rootfs_size") is not None:
        cmd.append("--rootfs-size=%s" % opts["rootfs_size"])
    cmd += ["--dracut-arg=%s" % x for x in opts.get("dracut_args") or []]
    if opts.get("skip_branding"):
        cmd.append("--skip-branding")
    if opts.get("squashfs_only"):
        cmd.append("--squashfs-only")
    if opts.get("configuration_file"):
        cmd.append("--config=%s" % _local_file(opts["configuration_file"], request.config_dir(topdir)))
    return cmd + [output]


def _local_file(value, base):
    if isinstance(value, dict):
        if value.get("scm") != "file" or value.get("repo"):
            raise PunjiError("option 'lorax_options': configuration_file: only local files are supported yet, "
                             "not scm '%s'" % value.get("scm"))
        value = value.get("file")
    path = os.path.normpath(os.path.join(base, value or ""))
    if not value or not os.path.isfile(path):
        raise PunjiError("option 'lorax_options': configuration_file %s does not exist" % path)
    return path
