"""lorax, which makes a tree's installer images: when it runs, and its command line.

Pungi's buildinstall runs lorax once per variant of type 'variant' and arch;
ostree_installer runs it too, with options of its own.
"""

import os
import shutil

from .. import arches
from ..compose import layout, request
from ..config.lookup import va_data
from ..errors import PunjiError
from . import naming

LISTS = ("add_template", "add_arch_template", "add_template_var", "add_arch_template_var", "dracut_args")


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
    """The lorax_options blocks for UID.ARCH combined as Pungi combines them: the template and
    dracut lists add up, noupgrade and nomacboot are off once a block turns them off, bugurl,
    rootfs_size and version come from the last block giving them, skip_branding,
    squashfs_only and configuration_file from the last block."""
    merged = {key: [] for key in LISTS}
    for block in va_data(conf.get("lorax_options"), uid, arch):
        for key in LISTS:
            merged[key].extend(block.get(key) or [])
        for key in ("noupgrade", "nomacboot"):
            if not block.get(key, True):
                merged[key] = False
        for key in ("bugurl", "rootfs_size", "version"):
            if block.get(key) if key == "bugurl" else key in block:
                merged[key] = block[key]
        for key in ("skip_branding", "squashfs_only", "configuration_file"):
            merged[key] = block.get(key)
    return merged


def extra_sources(topdir, conf, uid, arch, local="file://"):
    """The lorax_extra_sources of UID.ARCH as URLs (local paths, relative to the config file's
    directory, become file:// URLs; paths after LOCAL "" for the Koji plugin, as Pungi's)."""
    base = request.config_dir(topdir)
    return [s if "://" in s else local + os.path.normpath(os.path.join(base, s))
            for s in va_data(conf.get("lorax_extra_sources"), uid, arch)]


def comps_source(topdir, conf, uid, arch, local="file://"):
    """[the URL of UID.ARCH's comps repo] when the compose has comps, else []: as Pungi gives it
    to lorax, translated by translate_paths (else the path after LOCAL)."""
    if not os.path.isfile(layout.at(topdir, layout.comps_file(uid, arch))):
        return []
    return [repo_url(topdir, conf, layout.comps_repo(uid, arch), local)]


def repo_url(topdir, conf, rel, local="file://"):
    """The URL lorax gets of the compose's repo REL, as Pungi gives it: translated by
    translate_paths, else the path after LOCAL."""
    url = layout.translate_path(layout.at(topdir, rel), conf.get("translate_paths"))
    return url if "://" in url else local + url


def write_comps_repo(topdir, uid, arch):
    """UID.ARCH's comps repo (see comps_source), when the compose has comps."""
    from ..rpms import repodata

    comps = layout.at(topdir, layout.comps_file(uid, arch))
    if os.path.isfile(comps):
        repodata.write_comps_repo(layout.at(topdir, layout.comps_repo(uid, arch)), comps)


def arguments(topdir, conf, v, arch, comps=True, plugin=False, pkgset=True):
    """[(name, value)]: lorax's arguments for V.ARCH by the names the pungi_buildinstall Koji
    plugin takes them, in lorax's order. True is a flag, a list repeats the option, None and
    False leave it out. As in Pungi, --release is the version too."""
    opts = lorax_options(conf, v["uid"], arch)
    version = opts.get("version") or conf.get("treeinfo_version") or conf["release_version"]
    # the plugin gets the package set and comps repos as Pungi has them: paths, not file:// URLs
    local = "" if plugin else "file://"
    sources = ([local + layout.at(topdir, layout.pkgset_repo(arch))] if pkgset else []) \
        + extra_sources(topdir, conf, v["uid"], arch, local) \
        + (comps_source(topdir, conf, v["uid"], arch, local) if comps else [])
    config = opts.get("configuration_file")
    if config:
        _local_file(config, request.config_dir(topdir))  # it must exist
    return [
        ("product", conf["release_name"]), ("version", version), ("release", version), ("sources", sources),
        ("variant", v["uid"]), ("bugurl", opts.get("bugurl")), ("nomacboot", opts.get("nomacboot", True)),
        ("noupgrade", opts.get("noupgrade", True)),
        ("isfinal", request.supported(topdir)), ("buildarch", buildarch(arch)),
        ("volid", naming.boot_volume_id(topdir, v, arch)),
        ("installpkgs", list(v.get("buildinstallpackages") or [])),
        ("add-template", opts["add_template"]), ("add-arch-template", opts["add_arch_template"]),
        ("add-template-var", opts["add_template_var"]), ("add-arch-template-var", opts["add_arch_template_var"]),
        ("rootfs-size", opts.get("rootfs_size")), ("dracut-args", opts["dracut_args"]),
        ("skip_branding", bool(opts.get("skip_branding"))), ("squashfs_only", bool(opts.get("squashfs_only"))),
        ("configuration_file", config_copy(topdir, v["uid"], arch) if config else None),
    ]


# tree arch -> lorax's --buildarch where it is not the arch's first package arch (rpm's best)
BUILDARCH = {"armhfp": "armv7hnl"}


def buildarch(arch):
    """lorax's --buildarch for tree ARCH, as Pungi passes it (the best package arch of the
    tree: i386 -> i686)."""
    return BUILDARCH.get(arch) or arches.family(arch)[0]


def config_copy(topdir, uid, arch):
    """Where lorax_options' configuration_file goes for UID.ARCH (lorax is given the copy, as in
    Pungi): lorax.conf in the lorax log directory."""
    return os.path.join(layout.at(topdir, layout.buildinstall_log_dir(uid, arch)), "lorax.conf")


def config_source(topdir, conf, uid, arch):
    """The local file of lorax_options' configuration_file for UID.ARCH, or None."""
    config = lorax_options(conf, uid, arch).get("configuration_file")
    return _local_file(config, request.config_dir(topdir)) if config else None


def copy_config(topdir, conf, uid, arch):
    """Copy lorax_options' configuration_file of UID.ARCH (if any) to config_copy."""
    source = config_source(topdir, conf, uid, arch)
    if source:
        target = config_copy(topdir, uid, arch)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(source, target)


def koji_shell(argv, output):
    """The command of a Koji runroot task running lorax's ARGV, as Pungi's: OUTPUT removed first
    (lorax refuses an output directory that exists)."""
    import shlex

    return "rm -rf %s && %s" % (shlex.quote(output), " ".join(shlex.quote(a) for a in argv))


# plugin argument -> lorax's option, where they differ by more than the leading dashes
OPTION = {"sources": "--source", "dracut-args": "--dracut-arg", "skip_branding": "--skip-branding",
          "squashfs_only": "--squashfs-only", "configuration_file": "--config"}


def command(topdir, conf, v, arch, output, logfile, comps=True, pkgset=True):
    """The lorax argument list for V.ARCH writing into OUTPUT, its log LOGFILE (COMPS, PKGSET:
    with the variant's comps repo and the arch's package set repo among the sources, as
    buildinstall's)."""
    cmd = ["lorax"]
    for name, value in arguments(topdir, conf, v, arch, comps, pkgset=pkgset):
        option = OPTION.get(name, "--" + name)
        if value is True:
            cmd.append(option)
        elif isinstance(value, list):
            cmd += ["%s=%s" % (option, x) for x in value]
        elif name == "configuration_file" and value:
            cmd += [option, value]  # Pungi: lorax takes no --config=FILE
        elif value is not None and value is not False:
            cmd.append("%s=%s" % (option, value))
        if name == "add-arch-template-var":
            cmd.append("--logfile=%s" % logfile)
    return cmd + [output]


def plugin_arguments(topdir, conf, v, arch, output, comps=True, pkgset=True):
    """The lorax_args of a pungi_buildinstall task for V.ARCH writing into OUTPUT, as the
    plugin takes them: flags True, values as strings, repeated ones as lists (the plugin
    iterates over sources and dracut-args); empty and false ones left out, as Pungi does.
    As `koji pungi-buildinstall` parses Pungi's KEY=VALUE arguments, a list of one value is that
    value (the CLI makes a list of a key given more than once only); the package set's and comps
    repos are paths (Pungi's, no file:// URLs)."""
    result = {}
    for name, value in arguments(topdir, conf, v, arch, comps, True, pkgset) + [("outputdir", output)]:
        if value is True:
            result[name] = True
        elif isinstance(value, list) and value:
            result[name] = [str(x) for x in value] if len(value) > 1 else str(value[0])
        elif value and not isinstance(value, list):
            result[name] = str(value)
    return result


def take_plugin_results(output, log_dir):
    """A pungi_buildinstall task leaves lorax's output in OUTPUT/results and its logs in
    OUTPUT/logs: the results become OUTPUT, the logs go into LOG_DIR."""
    results, logs = os.path.join(output, "results"), os.path.join(output, "logs")
    if not os.path.isdir(results):
        raise PunjiError("the pungi_buildinstall task left no %s" % results)
    for name in os.listdir(logs) if os.path.isdir(logs) else []:
        shutil.move(os.path.join(logs, name), os.path.join(log_dir, name))
    moved = output + ".results"
    if os.path.isdir(moved):
        shutil.rmtree(moved)
    os.rename(results, moved)
    shutil.rmtree(output)
    os.rename(moved, output)


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
