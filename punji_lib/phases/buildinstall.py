"""Installer boot images of one variant.arch with lorax (Pungi's buildinstall phase,
buildinstall_method "lorax").

As in Pungi, lorax runs once per variant of type 'variant' and arch, unless the
variant is empty or buildinstall_skip says so. Its argument list is Pungi's:
--product (release_name), --version (treeinfo_version or release_version, or
lorax_options' version), --release (release_version), a --source for the arch's
package set repo (work/<arch>/repo), for every lorax_extra_sources repo and, when the
compose has comps, for the variant's comps repo (work/<arch>/comps_repo_<variant>, a repo of
no packages written before lorax runs; translated by translate_paths, as Pungi gives it),
--variant, --bugurl, --nomacboot and --noupgrade (both on unless
lorax_options turn them off), --isfinal for a compose Pungi calls supported (an RC,
Update or SecurityFix label),
--buildarch, --volid (image_volid_formats with disc type disc_types["dvd"], as the DVD's),
--logfile (logs/<arch>/buildinstall-<variant>-logs/lorax.log), an --installpkgs
for each of the variant's buildinstallpackages, the templates and their
variables, --rootfs-size, --dracut-arg, --skip-branding, --squashfs-only,
--config, and the output directory. It runs through the phase's runroot method
(punji_lib.koji.runroot) into work/<arch>/buildinstall/<variant>, as Pungi's (under
buildinstall_topdir/<compose id>/<arch>/<variant> when that is set, copied back); it is
removed when lorax fails, and only the state written last says it is complete.

What lorax made but its .treeinfo, .discinfo, Packages/ and repodata/ then goes
into the os tree compose/<variant>/<arch>/os (hard links where possible), each
top entry (images/, isolinux/, EFI/...) built aside and renamed into place; the
compose's own Packages/ and repodata/ are never touched (createrepo runs after
this and lists the images in .treeinfo). images/boot.iso is hard-linked into the
tree's iso directory, named with disc type disc_types["boot"], with its .manifest, as
Pungi links it (media.boot_iso), and recorded there as a productmd image of type "boot"
in work/<arch>/buildinstall/<variant>.json ({"header", "variant", "arch", "images":
[record], "installed": [tree entries], "skipped"}), which punji-createiso --assemble
adds to images.json.
"""

import os
import shutil

from ..compose import dirs, jsonio, layout, request, reuse, state
from ..config import variants
from ..config.lookup import va_data
from ..errors import NotReady, PunjiError
from ..koji import runroot
from ..log import log
from ..media import lorax

PHASE = "buildinstall"
NOT_COPIED = (".treeinfo", ".discinfo", "Packages", "repodata")
OWN_PREFIX = ".buildinstall."


def run(topdir, variant, arch):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    rr_conf = runroot.options(topdir)
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    v = variants.with_arch(tree, variant, arch, source=False)
    if conf.get("buildinstall_method") not in (None, "lorax"):
        raise PunjiError("option 'buildinstall_method': %r is not supported (only 'lorax')"
                         % conf["buildinstall_method"])
    reason = lorax.skip_reason(conf, v, arch)
    if reason:
        log.info("buildinstall %s.%s: nothing to do (%s)", variant, arch, reason)
        _uninstall(topdir, variant, arch)
        dirs.remove(layout.at(topdir, layout.buildinstall_dir(variant, arch)))
        return _finish(topdir, v, arch, [], [], None, skipped=reason)
    repo = layout.at(topdir, layout.pkgset_repo(arch))
    if not os.path.isfile(os.path.join(repo, "repodata", "repomd.xml")):
        raise NotReady("no package set repo %s yet: run punji-pkgset --arch %s first"
                         % (layout.pkgset_repo(arch), arch))
    out = layout.at(topdir, layout.buildinstall_dir(variant, arch))
    output = out  # lorax writes straight into it, as in Pungi (no state says it is done until then)
    if conf.get("buildinstall_topdir"):
        output = os.path.join(conf["buildinstall_topdir"], request.read(topdir)["compose_id"], arch, variant)
    log_dir = layout.at(topdir, layout.buildinstall_log_dir(variant, arch))
    argv = lorax.command(topdir, conf, v, arch, output, os.path.join(log_dir, "lorax.log"))
    packages = ["lorax"] + va_data(conf.get("buildinstall_packages"), variant, arch)
    kickstart = _kickstart(topdir, conf, v, arch)
    inputs = _inputs(topdir, conf, rr_conf, variant, arch, argv, packages, kickstart)
    if state.same_inputs(topdir, PHASE, variant, arch, inputs) and _intact(topdir, variant, arch):
        log.info("buildinstall %s.%s: the same package set and options as the last run; nothing to do", variant, arch)
        state.keep(topdir, PHASE, variant, arch)
        return
    # a Koji runroot task a killed run left writes into OUT still: it ends before OUT is touched
    runroot.settle_left(os.path.dirname(out), layout.log_file(PHASE, variant, arch))
    _forget(topdir, variant, arch)
    _uninstall(topdir, variant, arch)
    if reuse.take_over(topdir, PHASE, variant, arch, inputs, [layout.buildinstall_dir(variant, arch)],
                       finish=lambda _old: _adopt(topdir, v, arch, out, kickstart),
                       allowed=conf.get("buildinstall_allow_reuse"),
                       optional=[layout.buildinstall_log_dir(variant, arch)]):
        return
    try:
        dirs.remove(out)
        if output != out:
            dirs.remove(output)
        os.makedirs(os.path.dirname(output), exist_ok=True)
        dirs.remove(log_dir)
        os.makedirs(log_dir)
        lorax.copy_config(topdir, conf, variant, arch)
        lorax.write_comps_repo(topdir, variant, arch)
        _run_lorax(topdir, conf, rr_conf, v, arch, argv, output, packages)
        if output != out:
            shutil.copytree(output, out, symlinks=True)
        installed = _install(topdir, out, variant, arch, kickstart)
        images = _boot_iso(topdir, v, arch)
    except BaseException:
        _uninstall(topdir, variant, arch, names=None)
        dirs.remove(out)
        raise
    return _finish(topdir, v, arch, images, installed, inputs)


def _inputs(topdir, conf, rr_conf, variant, arch, argv, packages, kickstart):
    """The fingerprint of what lorax makes of VARIANT.ARCH: its command line, packages, runroot,
    kickstart, config, comps and the repodata of the package set and of the local extra sources."""
    repo = layout.at(topdir, layout.pkgset_repo(arch))
    return state.digest(_compose_neutral(topdir, argv), packages, rr_conf, bool(conf.get("lorax_use_koji_plugin")),
                        kickstart, _read(lorax.config_source(topdir, conf, variant, arch)),
                        _read(layout.at(topdir, layout.comps_file(variant, arch))),
                        _read(os.path.join(repo, "repodata", "repomd.xml")),
                        [_read(os.path.join(r[len("file://"):], "repodata", "repomd.xml"))
                         for r in lorax.extra_sources(topdir, conf, variant, arch) if r.startswith("file://")])


def _run_lorax(topdir, conf, rr_conf, v, arch, argv, output, packages):
    """Run lorax (ARGV, or the Koji plugin's task) through the runroot of RR_CONF, into OUTPUT."""
    variant = v["uid"]
    out = layout.at(topdir, layout.buildinstall_dir(variant, arch))
    log_dir = layout.at(topdir, layout.buildinstall_log_dir(variant, arch))
    log.info("buildinstall %s.%s: lorax into %s", variant, arch, output)
    if conf.get("lorax_use_koji_plugin"):
        lorax_args = lorax.plugin_arguments(topdir, conf, v, arch, output)
        runroot.plugin_task(rr_conf, PHASE, arch, "pungi_buildinstall", {"lorax_args": lorax_args},
                            os.path.dirname(out), layout.log_file(PHASE, variant, arch), packages)
        lorax.take_plugin_results(output, log_dir)
    else:
        runroot.run(rr_conf, PHASE, arch, argv, os.path.dirname(out), layout.log_file(PHASE, variant, arch),
                    packages, koji_shell=lorax.koji_shell(argv, output), chown_paths=[output, log_dir])
    if not os.path.isdir(output) or not os.listdir(output):
        raise PunjiError("lorax left nothing in %s; see %s" % (output, layout.log_file(PHASE, variant, arch)))


# -- the lorax command line ----------------------------------------------------------------


def _compose_neutral(topdir, argv):
    """ARGV with this compose's directory and id written as placeholders: what two composes
    running the same lorax share (the output and log paths, the package set's URL)."""
    compose_id = request.read(topdir)["compose_id"]
    return [a.replace(topdir, "@TOPDIR@").replace(compose_id, "@COMPOSE_ID@") for a in argv]


def _kickstart(topdir, conf, v, arch):
    """(the volume id the boot configurations name, the text of buildinstall_kickstart), or None."""
    if not conf.get("buildinstall_kickstart"):
        return None
    from ..media import boot_kickstart, naming

    work = layout.at(topdir, os.path.dirname(layout.buildinstall_dir(v["uid"], arch)))
    os.makedirs(work, exist_ok=True)
    return naming.boot_volume_id(topdir, v, arch), \
        boot_kickstart.fetch(conf["buildinstall_kickstart"], request.config_dir(topdir), work)


def _adopt(topdir, v, arch, out, kickstart):
    """The old compose's lorax output OUT, just taken over, put into the os tree and recorded."""
    installed = _install(topdir, out, v["uid"], arch, kickstart)  # before _boot_iso looks into the tree
    _record(topdir, v, arch, _boot_iso(topdir, v, arch), installed)


# -- the os tree -------------------------------------------------------------------------------


def _install(topdir, out, uid, arch, kickstart=None):
    """Put lorax's output OUT into the os tree, entry by entry, with KICKSTART ((volume id, text)
    of buildinstall_kickstart, or None); the names installed."""
    top = layout.at(topdir, layout.os_tree(uid, arch))
    os.makedirs(top, exist_ok=True)
    names = sorted(n for n in os.listdir(out) if n not in NOT_COPIED)
    for name in names:
        source, target = os.path.join(out, name), os.path.join(top, name)
        new = os.path.join(top, OWN_PREFIX + name + ".new")
        dirs.remove(new)
        if os.path.isdir(source) and not os.path.islink(source):
            shutil.copytree(source, new, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(source, new)
        old = os.path.join(top, OWN_PREFIX + name + ".old")
        dirs.remove(old)
        if os.path.lexists(target):
            os.rename(target, old)
        os.rename(new, target)
        dirs.remove(old)
    if kickstart:
        from ..media import boot_kickstart

        names += boot_kickstart.add(top, *kickstart)
    log.info("buildinstall %s.%s: put %s into %s", uid, arch, ", ".join(names), layout.os_tree(uid, arch))
    return names


def _link_or_copy(source, target):
    if os.path.islink(source):
        os.symlink(os.readlink(source), target)
        return target
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    return target


def _uninstall(topdir, uid, arch, names=()):
    """Remove from the os tree what the last recorded run put there (and leftovers of a
    killed one); with NAMES None, what the current lorax output holds too."""
    top = layout.at(topdir, layout.os_tree(uid, arch))
    if not os.path.isdir(top):
        return
    remove = set(names or [])
    try:
        remove |= set(jsonio.read_json(layout.at(topdir, layout.buildinstall_json(uid, arch))).get("installed") or [])
    except (OSError, ValueError):
        pass
    if names is None:
        out = layout.at(topdir, layout.buildinstall_dir(uid, arch))
        if os.path.isdir(out):
            remove |= {n for n in os.listdir(out) if n not in NOT_COPIED}
    remove -= set(NOT_COPIED)
    for name in os.listdir(top):
        if name.startswith(OWN_PREFIX) or name in remove:
            dirs.remove(os.path.join(top, name))


def _intact(topdir, uid, arch):
    """Whether lorax's output and everything the last run installed are still there."""
    try:
        record = jsonio.read_json(layout.at(topdir, layout.buildinstall_json(uid, arch)))
    except (OSError, ValueError):
        return False
    top = layout.at(topdir, layout.os_tree(uid, arch))
    return os.path.isdir(layout.at(topdir, layout.buildinstall_dir(uid, arch))) and \
        all(os.path.lexists(os.path.join(top, n)) for n in record.get("installed") or [])


def _boot_iso(topdir, v, arch):
    """[the productmd image record of images/boot.iso], linked into the tree's iso directory
    (media.boot_iso), if lorax made one."""
    from ..media import boot_iso

    made = boot_iso.record(topdir, v, arch, layout.log_file(PHASE, v["uid"], arch))
    if made is None:
        log.info("buildinstall %s.%s: lorax made no images/boot.iso", v["uid"], arch)
    return [made] if made else []


# -- records -----------------------------------------------------------------------------------


def _record(topdir, v, arch, images, installed, skipped=None):
    record = {"header": state.header("buildinstall-result"), "variant": v["uid"], "arch": arch,
              "images": images, "installed": installed, "skipped": skipped}
    jsonio.write_json(layout.at(topdir, layout.buildinstall_json(v["uid"], arch)), record)


def _finish(topdir, v, arch, images, installed, inputs, skipped=None):
    _record(topdir, v, arch, images, installed, skipped)
    state.write(topdir, PHASE, v["uid"], arch, images=[os.path.basename(i["path"]) for i in images],
                installed=installed, skipped=skipped, result=layout.buildinstall_json(v["uid"], arch),
                inputs=inputs)


def _forget(topdir, uid, arch):
    """Until this run finishes, the phase is not done and no boot.iso of the tree is known
    (what the last run installed stays in the record for _uninstall)."""
    try:
        os.unlink(layout.at(topdir, layout.state_file(PHASE, uid, arch)))
    except FileNotFoundError:
        pass
    path = layout.at(topdir, layout.buildinstall_json(uid, arch))
    try:
        record = jsonio.read_json(path)
    except (OSError, ValueError):
        return
    if record.get("images"):
        jsonio.write_json(path, dict(record, images=[]))


def _read(path):
    if not path:
        return None
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return None
