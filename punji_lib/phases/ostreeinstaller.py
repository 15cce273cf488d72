"""Installer ISOs embedding an ostree, made with lorax (Pungi's ostree_installer), all
variants and arches of the compose.

ostree_installer is a variant/arch mapping [(variant regex, {arch: block})]. For every
block a variant gets on one of its binary arches, lorax runs through the phase's runroot
method (punji_lib.koji.runroot, as "ostree_installer" in runroot_method) with buildinstall's
argument list (punji_lib.media.lorax.command), where:

    --source      the block's 'repo' (a variant uid -> its os tree in this compose on the
                  arch; URLs with $arch replaced), then, as Pungi's, the package set repo and
                  the variant's comps repo for $basearch (translated by translate_paths)
    --version     release_version
    --release     the block's 'release' (without one, Pungi passes the text "None")
    --volid       image_volid_formats with disc type disc_types["ostree"] (default "ostree")
    --installpkgs the block's installpkgs
    templates     add_template / add_arch_template (relative paths: files of template_repo
                  checked out at template_branch), add_template_var / add_arch_template_var,
                  rootfs_size, skip_branding

The runroot needs pungi, lorax and ostree (and the block's extra_runroot_pkgs); a Koji task
runs `rm -rf <output> && lorax ...` as Pungi's. lorax writes into
work/<arch>/<variant>/ostree_installer (Pungi's; removed when it fails). What it made but
.treeinfo, .discinfo, Packages/ and repodata/ is copied into the os tree, as Pungi copies it;
its images/boot.iso is put (hard link, else copy) into compose/<variant>/<arch>/iso/ under
image_name_format's name with disc type disc_types["ostree"] and disc number 1 (Pungi's) and
recorded as a productmd image of type "dvd-ostree" (bootable, volume id and implanted MD5 read
from the ISO) in work/global/ostreeinstaller/images.json, which punji-createiso --assemble adds to
images.json. As Pungi validates, a variant.arch where buildinstall also runs is an
error unless ostree_installer_overwrite is true. A block whose 'failable' lists the arch
(or "*"), or failable_deliverables "ostree-installer", may fail: a warning and the state
records failed.
"""

import os
import shutil

from ..compose import dirs, jsonio, layout, request
from ..config import scm
from ..config.lookup import va_data
from ..errors import PunjiError
from ..koji import images, runroot
from ..log import log, warn
from ..media import iso, lorax, naming

PHASE = "ostreeinstaller"
RUNROOT_PHASE = "ostree_installer"
PROG = "punji-ostreeinstaller"
DELIVERABLE = "ostree-installer"


def plan(conf, tree):
    """[(variant dict, arch, block)]: the last block wins when several match (one ISO each)."""
    jobs = []
    for v in tree:
        for arch in sorted(a for a in v["arches"] if a != "src"):
            blocks = va_data(conf.get("ostree_installer"), v["uid"], arch)
            if blocks and not v.get("is_empty"):
                jobs.append((v, arch, blocks[-1]))
    return jobs


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    bi_conf = jsonio.read_json(layout.at(topdir, layout.config_slice("buildinstall")))
    rr_conf = runroot.options(topdir)
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    jobs = plan(conf, tree)
    if not conf.get("ostree_installer_overwrite") and bi_conf.get("buildinstall_method"):
        for v, arch, block in jobs:
            if not lorax.skip_reason(bi_conf, v, arch):
                raise PunjiError("option 'ostree_installer': cannot make an ostree installer for %s.%s: buildinstall "
                                 "runs there too and the files would clash (set ostree_installer_overwrite)"
                                 % (v["uid"], arch))
    stale = layout.at(topdir, layout.state_file(PHASE))
    if os.path.exists(stale):
        os.unlink(stale)
    made, failed = [], []
    numbers = pungi_numbers(jobs)
    for v, arch, block in jobs:
        what = "option 'ostree_installer' (variant %s, arch %s)" % (v["uid"], arch)
        try:
            made.append(one(topdir, conf, bi_conf, rr_conf, tree, v, arch, block, what, numbers[(v["uid"], arch)]))
        except PunjiError as exc:
            message = "%s: %s" % (what, exc)
            failable = block.get("failable") or []
            if not ("*" in failable or arch in failable
                    or DELIVERABLE in va_data(conf.get("failable_deliverables"), v["uid"], arch)):
                raise PunjiError(message)
            warn(PROG, message + " (failable: the compose goes on without it)")
            failed.append(message)
    images.publish(topdir, conf, PHASE, made, failed, {})


def _templates(block, key, template_dir, what):
    result = []
    for template in block.get(key) or []:
        if not template.startswith("/"):
            if not template_dir:
                raise PunjiError("%s: %s %s is a relative path but no template_repo is set" % (what, key, template))
            template = os.path.join(template_dir, template)
        result.append(template)
    return result


def lorax_inputs(topdir, bi_conf, v, arch, block, template_dir, what, plugin=False):
    """(the settings, the variant) buildinstall's lorax arguments take, with the block's sources,
    volume id, templates and packages. The sources as Pungi's: the block's repos, then the package
    set's and the variant's comps repo (when the compose has comps) for $basearch, translated by
    translate_paths (else a file:// URL; a path for the Koji PLUGIN)."""
    repos = block.get("repo") or []
    repos = repos if isinstance(repos, list) else [repos]
    tree_uids = {x["uid"] for x in jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]}
    sources = []
    for repo in repos:
        url = repo.get("baseurl") if isinstance(repo, dict) else repo
        if url in tree_uids:
            url = layout.at(topdir, layout.os_tree(url, arch))
        sources.append(url.replace("$arch", arch).replace("$basearch", arch))
    local = "" if plugin else "file://"
    own = [layout.pkgset_repo("$basearch")]
    if os.path.isfile(layout.at(topdir, layout.comps_file(v["uid"], arch))):
        own.append(layout.comps_repo(v["uid"], "$basearch"))
    sources += [lorax.repo_url(topdir, bi_conf, rel, local) for rel in own]
    opts = {"nomacboot": True, "noupgrade": False, "rootfs_size": block.get("rootfs_size"),
            "skip_branding": block.get("skip_branding")}
    for key in ("add_template", "add_arch_template"):
        opts[key] = _templates(block, key, template_dir, what)
    for key in ("add_template_var", "add_arch_template_var"):
        opts[key] = list(block.get(key) or [])
    disc = (bi_conf.get("disc_types") or {}).get("ostree", "ostree")
    lorax_conf = dict(bi_conf, lorax_options=[("^%s$" % v["uid"], {arch: opts})],
                      lorax_extra_sources=[("^%s$" % v["uid"], {arch: sources})],
                      disc_types=dict(bi_conf.get("disc_types") or {}, boot=disc))
    return lorax_conf, dict(v, buildinstallpackages=list(block.get("installpkgs") or []))


def _release(block, what):
    release = block.get("release")
    if release and release.startswith("!"):
        raise PunjiError("%s: release %s: magic release values are not supported" % (what, release))
    return release


def lorax_argv(topdir, conf, bi_conf, v, arch, block, output, logfile, template_dir, what):
    """buildinstall's lorax argument list with the block's sources, release, volume id and templates."""
    lorax_conf, v = lorax_inputs(topdir, bi_conf, v, arch, block, template_dir, what)
    argv = lorax.command(topdir, lorax_conf, v, arch, output, logfile, comps=False, pkgset=False)
    # Pungi: the version is release_version, the release the block's (without one: the text None)
    fixed = {"--version=": conf["release_version"], "--release=": _release(block, what)}
    return [next(("%s%s" % (k, value) for k, value in fixed.items() if a.startswith(k)), a) for a in argv]


def plugin_arguments(topdir, conf, bi_conf, v, arch, block, output, template_dir, what):
    """The lorax_args of the pungi_buildinstall task Pungi creates for the block
    (ostree_installer_use_koji_plugin): no release without the block's, no skip_branding."""
    lorax_conf, v = lorax_inputs(topdir, bi_conf, v, arch, block, template_dir, what, plugin=True)
    args = lorax.plugin_arguments(topdir, lorax_conf, v, arch, output, comps=False, pkgset=False)
    args.pop("skip_branding", None)
    args.update(version=str(conf["release_version"]), release=_release(block, what))
    return {k: value for k, value in args.items() if value}


# Pungi sorts variants by type (variants, then addons and layered products, then optionals), then uid
TYPE_ORDER = {"variant": 0, "addon": 1, "layered-product": 1, "optional": 2}


def pungi_numbers(jobs):
    """{(variant uid, arch): n}: the number Pungi's worker gives each job (its log directory's
    ostree_installer-<n>), in the order Pungi queues them: variants sorted, arches in order."""
    ordered = sorted(jobs, key=lambda job: (TYPE_ORDER.get(job[0]["type"], 3), job[0]["uid"], job[1]))
    return {(v["uid"], arch): n for n, (v, arch, _block) in enumerate(ordered, 1)}


def one(topdir, conf, bi_conf, rr_conf, tree, v, arch, block, what, number=1):
    uid = v["uid"]
    out = layout.at(topdir, layout.ostreeinstaller_dir(uid, arch))
    templates = os.path.join(os.path.dirname(out), "lorax_templates")
    log_dir = layout.at(topdir, layout.ostreeinstaller_log_dir(uid, arch, number))
    # a Koji runroot task a killed run left writes into OUT still: it ends before OUT is touched
    runroot.settle_left(os.path.dirname(out), layout.log_file(PHASE))
    for path in (templates, out, log_dir):
        dirs.remove(path)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    os.makedirs(log_dir)
    template_dir = None
    if block.get("template_repo"):
        template_dir = scm.git_checkout(block["template_repo"], block.get("template_branch"), templates,
                                        what + ": template_repo", request.config_dir(topdir))
    lorax.write_comps_repo(topdir, uid, arch)
    packages = ["pungi", "lorax", "ostree"] + list(block.get("extra_runroot_pkgs") or [])
    log_path = layout.log_file(PHASE)
    log.info("ostree installer %s.%s: lorax into %s", uid, arch, out)
    try:
        if conf.get("ostree_installer_use_koji_plugin"):
            args = plugin_arguments(topdir, conf, bi_conf, v, arch, block, out, template_dir, what)
            runroot.plugin_task(rr_conf, RUNROOT_PHASE, arch, "pungi_buildinstall", {"lorax_args": args},
                                os.path.dirname(out), log_path, packages)
            lorax.take_plugin_results(out, log_dir)
        else:
            argv = lorax_argv(topdir, conf, bi_conf, v, arch, block, out, os.path.join(log_dir, "lorax.log"),
                              template_dir, what)
            runroot.run(rr_conf, RUNROOT_PHASE, arch, argv, os.path.dirname(out), log_path, packages,
                        koji_shell=lorax.koji_shell(argv, out), chown_paths=[out])
        boot = os.path.join(out, "images", "boot.iso")
        if not os.path.isfile(boot):
            raise PunjiError("lorax made no images/boot.iso; see %s" % log_path)
        _copy_into_tree(topdir, out, uid, arch)
    except BaseException:
        dirs.remove(out)
        raise
    finally:
        dirs.remove(templates)
    return {"variant": uid, "arch": arch, "image": _place_boot_iso(topdir, conf, v, arch, boot, log_path)}


def _place_boot_iso(topdir, conf, v, arch, boot, log_path):
    """BOOT, the boot.iso lorax made, linked (or copied) into the iso directory of tree V.ARCH
    under the name of its first dvd disc (disc_types' "ostree"); its image record."""
    uid = v["uid"]
    ci_conf = jsonio.read_json(layout.at(topdir, layout.config_slice("createiso")))
    disc = (conf.get("disc_types") or {}).get("ostree", "ostree")
    ci_conf = dict(ci_conf, disc_types=dict(ci_conf.get("disc_types") or {}, dvd=disc))
    name = naming.image_name(ci_conf, naming.substitutions(ci_conf, topdir), v, arch, 1)  # Pungi: disc 1
    rel = layout.iso_dir(uid, arch) + "/" + name
    target = layout.at(topdir, rel)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    new = target + ".new"
    dirs.remove(new)
    try:
        os.link(boot, new)
    except OSError:
        shutil.copy2(boot, new)
    os.replace(new, target)
    record = images.image_record(topdir, rel, arch, "dvd-ostree", "iso", uid)
    record.update(volume_id=iso.read_volume_id(target), implant_md5=iso.implanted_md5(target, log_path),
                  bootable=True)
    log.info("ostree installer %s.%s: %s", uid, arch, rel)
    return record


def _copy_into_tree(topdir, out, uid, arch):
    """What lorax made (OUT) copied into the os tree, as Pungi copies it, but for the .treeinfo,
    .discinfo, Packages/ and repodata/ of the tree's own (copies of entries already there
    replace them)."""
    top = layout.at(topdir, layout.os_tree(uid, arch))
    os.makedirs(top, exist_ok=True)
    for name in sorted(os.listdir(out)):
        if name in (".treeinfo", ".discinfo", "Packages", "repodata"):
            continue
        source, target = os.path.join(out, name), os.path.join(top, name)
        if os.path.isdir(source) and not os.path.islink(source):
            shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
        else:
            dirs.remove(target)
            shutil.copy2(source, target, follow_symlinks=False)
