"""Every path inside a compose directory, relative to the compose's top directory.

The Makefile generator and the phase commands both take their paths from here,
so a make target and the file a command writes cannot disagree. These are pure
functions: nothing here creates a directory.
"""

import os

GLOBAL = "global"


def scope_dir(arch=None):
    """'global' for a global phase, else the arch: work/global/…, work/x86_64/…"""
    return arch or GLOBAL


def config_json():
    """work/global/config.json: the whole normalized config, defaults filled in."""
    return "work/global/config.json"


def config_slice(phase):
    """work/global/config/gather.json: the options one phase reads."""
    return "work/global/config/%s.json" % phase


def config_files_json():
    """work/global/config-files.json: the config file and its includes, with the input files."""
    return "work/global/config-files.json"


def compose_request_json():
    """work/global/compose-request.json: the config path, type, label, date and respin of the compose."""
    return "work/global/compose-request.json"


def targets_json():
    """work/global/targets.json: every target of the compose's Makefile, for punji-status."""
    return "work/global/targets.json"


def variants_json():
    """work/global/variants.json: the variants of the compose after tree filters."""
    return "work/global/variants.json"


def comps_file(variant, arch):
    """work/x86_64/comps/comps-Server.x86_64.xml: the comps filtered for one variant.arch."""
    return "work/%s/comps/comps-%s.%s.xml" % (arch, variant, arch)


def comps_repo(variant, arch):
    """work/x86_64/comps_repo_Server: a repo of no packages with the variant.arch's comps (lorax's
    source of groups; Pungi's name)."""
    return "work/%s/comps_repo_%s" % (arch, variant)


def arch_comps_file(arch):
    """work/x86_64/comps/comps.x86_64.xml: the comps filtered for one arch only (Pungi's
    global comps of the arch: every group, for the package set's reach)."""
    return "work/%s/comps/comps.%s.xml" % (arch, arch)


def pkgset_json(arch):
    """work/x86_64/pkgset/packages.json: the package set of one compose arch."""
    return "work/%s/pkgset/packages.json" % arch


def pkgset_headers(arch):
    """work/x86_64/pkgset/headers.json: NEVRA and signing key read from each package file."""
    return "work/%s/pkgset/headers.json" % arch


def pkgset_files(arch):
    """work/x86_64/pkgset/files.txt: the package files headers.json has read, one "path size
    mtime" per line (its keys), for a nightly to check without reading headers.json."""
    return "work/%s/pkgset/files.txt" % arch


def pkgset_cache(arch):
    """work/x86_64/pkgset/cache: what the package set downloaded: metadata and packages of
    http(s) repos, packages from a Koji hub's topurl."""
    return "work/%s/pkgset/cache" % arch


def pkgset_modules(arch):
    """work/x86_64/pkgset/modules.yaml: the module streams of one arch's package set and their
    modules' defaults (only when its repos carry modules metadata)."""
    return "work/%s/pkgset/modules.yaml" % arch


def pkgset_koji_modules(arch):
    """work/x86_64/pkgset/koji-modules.json: the module streams (N:S:V:C) each variant has on
    one arch and their Koji content tags (only when the package set reads module builds from Koji)."""
    return "work/%s/pkgset/koji-modules.json" % arch


def pkgset_repo(arch):
    """work/x86_64/repo: a yum repo over the package set of one arch (repodata/ whose xml:base points
    at each package where it is, as Pungi's package set repo)."""
    return "work/%s/repo" % arch


def pkgset_set_repos(arch):
    """work/x86_64/pkgset/sets: with several package sets (Koji: a tag's each), a yum repo over
    each one's packages of the arch, sets/<n> for the set of index n, which the gather reads in
    that order as Pungi reads its package sets' repos (none with one set)."""
    return "work/%s/pkgset/sets" % arch


def pkgset_set_repo(arch, index):
    return "%s/%d" % (pkgset_set_repos(arch), index)


def reach_json(arch):
    """work/x86_64/pkgset/reach.json: what the package set's solver run of one arch reached."""
    return "work/%s/pkgset/reach.json" % arch


def pkgset_outputs(arch):
    """What the package set of one arch writes (what another compose can take over); its
    cache (pkgset_cache) besides, when it has one."""
    return [pkgset_json(arch), pkgset_headers(arch), pkgset_repo(arch)]


def prelinked():
    """work/global/prelink: the old compose's package trees, hard-linked while the package set
    is read, for gather --assemble to take over (compose.reuse.prelink)."""
    return "work/global/prelink"


def solved_json(variant, arch):
    """work/x86_64/gather/Server.solved.json: what the solver took for one variant.arch, and why,
    before the variant-type rules trim it across variants (gather_json)."""
    return "work/%s/gather/%s.solved.json" % (arch, variant)


def variant_lookaside_repo(variant, lookaside, arch):
    """work/x86_64/lookaside/AppStream/BaseOS: repodata of what variant BaseOS gathered, the
    lookaside repo of AppStream on x86_64 (variant_as_lookaside)."""
    return "work/%s/lookaside/%s/%s" % (arch, variant, lookaside)


def gather_json(variant, arch):
    """work/x86_64/gather/Server.json: what gather put into one variant.arch's trees, and why."""
    return "work/%s/gather/%s.json" % (arch, variant)


def rpms_json():
    return "compose/metadata/rpms.json"


def modules_json():
    return "compose/metadata/modules.json"


def package_dir(packages, filename, hashed=False):
    """Where a package goes in a PACKAGES directory (packages_dir): compose/Server/x86_64/os/Packages[/b]
    (with hashed_directories, the lower-cased first letter of the file name)."""
    return "%s/%s" % (packages, filename[0].lower()) if hashed else packages


def createiso_json(variant, arch):
    """work/x86_64/createiso/Server.json, work/src/createiso/Server.json: the images createiso
    made of one tree (productmd image records), assembled into images.json."""
    return "work/%s/createiso/%s.json" % (arch, variant)


def createiso_work_dir(variant, arch):
    """work/x86_64/createiso/Server: scratch space of one tree's createiso run (each disc's
    .treeinfo, .discinfo and repodata; copies made by createiso_break_hardlinks)."""
    return "work/%s/createiso/%s" % (arch, variant)


def extraiso_json(variant, arch):
    """work/x86_64/extraiso/Server.json, work/src/extraiso/Server.json: the extra ISOs
    (extra_isos) made for one variant.arch (productmd image records), listed in images.json."""
    return "work/%s/extraiso/%s.json" % (arch, variant)


def extraiso_work_dir(variant, arch):
    """work/x86_64/extraiso/Server: scratch space of one variant.arch's extraiso run (fetched
    extra files, each image's .treeinfo, .discinfo and media.repo)."""
    return "work/%s/extraiso/%s" % (arch, variant)


def buildinstall_dir(variant, arch):
    """work/x86_64/buildinstall/Server: what lorax made for one variant.arch (built aside
    under work/x86_64/buildinstall/.Server.tmp, then renamed)."""
    return "work/%s/buildinstall/%s" % (arch, variant)


def boot_iso_manifest(variant, arch):
    """work/x86_64/buildinstall/Server.boot.manifest: the .manifest of the tree's boot.iso, put
    beside it wherever it is linked as an image of the compose."""
    return "work/%s/buildinstall/%s.boot.manifest" % (arch, variant)


def buildinstall_json(variant, arch):
    """work/x86_64/buildinstall/Server.json: the boot.iso buildinstall put into one os tree
    (productmd image records, type 'boot') and the tree entries it installed."""
    return "work/%s/buildinstall/%s.json" % (arch, variant)


def buildinstall_log_dir(variant, arch):
    """logs/x86_64/buildinstall-Server-logs: lorax's own logs of one variant.arch (lorax.log)."""
    return "logs/%s/buildinstall-%s-logs" % (arch, variant)


def extrafiles_json(variant, arch):
    """work/x86_64/extrafiles/Server.json: the extra files put into one tree."""
    return "work/%s/extrafiles/%s.json" % (arch, variant)


def product_id_file(variant_uid, arch):
    """work/x86_64/product_id/Server.x86_64.pem/productid: the product certificate of a
    variant.arch (named productid, as modifyrepo_c names the repodata after the file)."""
    return "work/%s/product_id/%s.%s.pem/productid" % (arch, variant_uid, arch)


def createrepo_work(arch):
    """work/x86_64/createrepo: the package lists handed to createrepo_c (arch src: source trees)."""
    return "work/%s/createrepo" % arch


def images_json():
    return "compose/metadata/images.json"


def unlisted_images_json():
    """work/global/images.json: the images list when the compose has no images.json (see
    punji-createiso --assemble); punji-imagechecksum sums its images all the same."""
    return "work/global/images.json"


def extra_files_json():
    return "compose/metadata/extra_files.json"


def repoclosure_json(variant, arch):
    """work/x86_64/repoclosure/Server.json: punji-repoclosure's report of one tree, its
    packages with unresolved requires."""
    return "work/%s/repoclosure/%s.json" % (arch, variant)


def image_checks_json():
    """work/global/test/image-checks.json: punji-test's sanity checks of every image."""
    return "work/global/test/image-checks.json"


def repo_dir(v, arch, kind="os"):
    """The repository of variant V (a variants.json record) of KIND (os, debug, source): its tree,
    but for an addon a directory inside its parent's tree: compose/Server/x86_64/os/addons/HA."""
    if v["type"] == "addon":
        return tree_dir(v["parent"], arch, kind) + "/addons/" + v["id"]
    return tree_dir(v["uid"], arch, kind)


def packages_dir(v, arch, kind="os"):
    """Where variant V's packages of KIND are: <tree>/Packages, an addon's repository itself."""
    top = repo_dir(v, arch, kind)
    return top if v["type"] == "addon" else top + "/Packages"


def tree_dir(variant_uid, arch, kind="os"):
    """The top of a tree by kind: os and debug trees per arch; arch 'src' is the source tree."""
    if arch == "src" or kind == "source":
        return source_tree(variant_uid)
    return debug_tree(variant_uid, arch) if kind == "debug" else os_tree(variant_uid, arch)


def state_file(phase, variant=None, arch=None):
    """The make target of a phase run: work/global/state/init.json,
    work/x86_64/state/pkgset.json, work/x86_64/state/gather-Server.json."""
    name = phase if variant is None else "%s-%s" % (phase, variant)
    return "work/%s/state/%s.json" % (scope_dir(arch), name)


def log_file(phase, variant=None, arch=None):
    """logs/global/init.log, logs/x86_64/gather-Server.log"""
    name = phase if variant is None else "%s-%s" % (phase, variant)
    return "logs/%s/%s.log" % (scope_dir(arch), name)


def koji_event_file():
    """work/global/koji-event: the Koji event the compose reads Koji at (the hub's event info, JSON)."""
    return "work/global/koji-event"


def make_pid():
    """work/global/make.pid: the make running in the compose (see makelock)."""
    return "work/global/make.pid"


def status_lock():
    """work/global/status.lock: held while STATUS is read and written (status.set_status)."""
    return "work/global/status.lock"


def compose_log():
    """logs/global/compose.log: what make printed for the whole compose."""
    return "logs/global/compose.log"


def report_html():
    """logs/global/report.html: punji-report's page of the compose."""
    return "logs/global/report.html"


def compose_id_file():
    return "COMPOSE_ID"


def status_file():
    return "STATUS"


def makefile():
    return "Makefile"


def composeinfo_json():
    return "compose/metadata/composeinfo.json"


def os_tree(variant_uid, arch):
    """compose/Server/x86_64/os"""
    return "compose/%s/%s/os" % (variant_uid, arch)


def debug_tree(variant_uid, arch):
    """compose/Server/x86_64/debug/tree"""
    return "compose/%s/%s/debug/tree" % (variant_uid, arch)


def source_tree(variant_uid):
    """compose/Server/source/tree"""
    return "compose/%s/source/tree" % variant_uid


def iso_dir(variant_uid, arch):
    """compose/Server/x86_64/iso, compose/Server/source/iso"""
    if arch == "src":
        return "compose/%s/source/iso" % variant_uid
    return "compose/%s/%s/iso" % (variant_uid, arch)


def jigdo_dir(variant_uid, arch):
    """compose/Server/x86_64/jigdo, compose/Server/source/jigdo (create_jigdo)"""
    return os.path.join(os.path.dirname(iso_dir(variant_uid, arch)), "jigdo")


def at(topdir, relpath):
    """The absolute path of RELPATH inside compose TOPDIR."""
    return os.path.join(os.path.abspath(topdir), relpath)


def image_dir(variant_uid, arch):
    """compose/Server/x86_64/images: images made by Koji tasks (image_build, osbs, ...)"""
    return "compose/%s/%s/images" % (variant_uid, arch)


def koji_images_json(phase):
    """work/global/imagebuild/images.json: the images a Koji image phase put into the compose"""
    return "work/global/%s/images.json" % phase


def koji_runroot_dir(slot):
    """work/global/koji-runroot/<slot>/: the runroot tasks of a slot (a phase's log, e.g.
    logs/x86_64/buildinstall-Server.log) a run waits for (a killed run leaves them: its resume
    waits for them to end before it runs again)"""
    return "work/global/koji-runroot/%s" % slot.strip("/").replace("/", "_")


def koji_tasks_json(phase):
    """work/global/imagebuild/koji-tasks.json: the Koji tasks a run of an image phase submitted
    (a run killed while it waited for them leaves it: its resume takes them over)"""
    return "work/global/%s/koji-tasks.json" % phase


def osbs_repo_file(variant_uid, number, repo):
    """work/global/osbs/compose-rpms-Server-1-Everything.repo: a .repo file handed to OSBS"""
    return "work/global/osbs/compose-rpms-%s-%d-%s.repo" % (variant_uid, number, repo)


def osbs_json():
    """compose/metadata/osbs.json: the container images OSBS built, per variant and arch"""
    return "compose/metadata/osbs.json"


def osbs_part(phase):
    """work/global/imagecontainer/osbs.json: the container builds one phase (osbs, imagecontainer)
    adds to compose/metadata/osbs.json"""
    return "work/global/%s/osbs.json" % phase


def osbs_lock():
    """work/global/osbs.json.lock: held while compose/metadata/osbs.json is written from the parts"""
    return "work/global/osbs.json.lock"


def imagecontainer_repo_file(variant_uid, number):
    """work/global/imagecontainer/image-container-Server-1.repo: the .repo file pointing OSBS at
    the image one image_container block embeds"""
    return "work/global/imagecontainer/image-container-%s-%d.repo" % (variant_uid, number)


def osbs_registries_json():
    """logs/global/osbs-registries.json: where each built image should be pushed (osbs_registries)"""
    return "logs/global/osbs-registries.json"


def ostree_work_dir(variant_uid, arch, number):
    """work/x86_64/ostree/Server-1: the config checkout, treefile and .repo files of one ostree block"""
    return "work/%s/ostree/%s-%d" % (arch, variant_uid, number)


def ostree_log_dir(variant_uid, arch, number):
    """logs/x86_64/ostree-Server-1: rpm-ostree's log and commitid.log of one ostree block"""
    return "logs/%s/ostree-%s-%d" % (arch, variant_uid, number)


def ostreecontainer_work_dir(variant_uid, arch, number):
    """work/x86_64/ostreecontainer/Server-1: the config checkout, treefile, .repo files and the OCI
    archive (until it is moved into the compose) of one ostree_container block"""
    return "work/%s/ostreecontainer/%s-%d" % (arch, variant_uid, number)


def ostreecontainer_log_dir(variant_uid, arch, number):
    """logs/x86_64/ostreecontainer-Server-1: rpm-ostree's output and stamp file of one ostree_container block"""
    return "logs/%s/ostreecontainer-%s-%d" % (arch, variant_uid, number)


def ostree_json():
    """compose/metadata/ostree.json: the commit and ref each ostree block made, per variant and arch"""
    return "compose/metadata/ostree.json"


def ostreeinstaller_dir(variant_uid, arch):
    """work/x86_64/Server/ostree_installer: what lorax made for one ostree_installer block (Pungi's)"""
    return "work/%s/%s/ostree_installer" % (arch, variant_uid)


def ostreeinstaller_log_dir(variant_uid, arch, number):
    """logs/x86_64/Server/ostree_installer-1: lorax's own logs of one ostree installer, Pungi's
    NUMBER-th job"""
    return "logs/%s/%s/ostree_installer-%d" % (arch, variant_uid, number)


def module_defaults_dir():
    """work/global/module_defaults: the modulemd-defaults files of module_defaults_dir, as init
    exported them (where Pungi keeps them)."""
    return "work/global/module_defaults"


def module_defaults_overrides_dir():
    """work/global/module_defaults_overrides: the modulemd-defaults files of
    module_defaults_override_dir, which replace those of module_defaults_dir."""
    return "work/global/module_defaults_overrides"


def module_obsoletes_dir():
    """work/global/module_obsoletes: the modulemd-obsoletes files of module_obsoletes_dir, as
    init exported them."""
    return "work/global/module_obsoletes"


def fetched_inputs_dir():
    """work/global/inputs: variants, comps and other config inputs init fetched from git or a package,
    one subdirectory per option."""
    return "work/global/inputs"


def translate_path(path, pairs):
    """PATH with the first matching prefix of translate_paths [(prefix, replacement)] replaced:
    /mnt/composes/X -> https://kojipkgs.example.com/compose/X."""
    for prefix, new in pairs or []:
        prefix = prefix.rstrip("/")
        if path == prefix or path.startswith(prefix + "/"):
            return new.rstrip("/") + path[len(prefix):]
    return path
