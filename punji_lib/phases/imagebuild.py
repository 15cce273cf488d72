"""Images built by Koji's image-build (Pungi's image_build), all blocks of the compose at once.

image_build maps variant uid regexes to blocks {"image-build": {...},
"factory-parameters": {...}}. Every block matching a variant gives one Koji
task, buildImageOz(name, version, arches, target, install_tree, opts) — the
call `koji image-build` makes for Pungi's config file — with:

    arches        the block's 'arches' that the variant has (all its arches when not given);
                  none left: no task
    install_tree  the os tree of 'install_tree_from' (a variant uid, an absolute path or a
                  URL; default the variant, or its parent for an addon/optional/layered
                  product; an addon's tree is its parent's), '$arch' for the arch, through
                  translate_paths
    opts          what `koji image-build --config` sends of the INI file Pungi writes for the
                  block (task_opts): kickstart, ksurl (block, image_build_ksurl, global_ksurl),
                  distro, ksversion, specfile, skip_tag, noverifyssl, ova_option, disk_size
                  (default 10; 'disc_size' is no key the CLI knows), release (block,
                  image_build_release, global_release; null: <date><type suffix>.<respin>) -
                  all as the INI file gives them back, strings; format (the format names:
                  [format, suffix] pairs give their format), repo (the block's 'repo':
                  variant uids become their repositories, other strings are kept, then the
                  variant's own unless it is_empty or listed), scratch, factory_parameter
                  ([key, value] pairs of factory-parameters in config order, keys lower-cased;
                  ova-options likewise make ova_option "key=value"), optional_arches (the
                  block's 'failable' as given, sorted; "*": all the arches; none: "")
    name, version the block's, image_build_version or global_version or image_version;
    target        the block's, image_build_target or global_target

The tasks are submitted together, then waited for together (punji_lib.koji.tasks).
Each closed createImage child task (one per arch) gives its files whose names end
with a suffix of the block's formats (Pungi's EXTENSIONS); they are linked or
downloaded into compose/<variant>/<arch>/images/ (an addon's: its parent's) under the name Koji gave them,
and recorded as productmd images (type: the format, format: the suffix,
subvariant: the block's or the variant uid) in work/global/imagebuild/images.json,
which punji-createiso --assemble adds to images.json.

Failures: a block whose 'failable' covers all its arches (or "*"), or whose
variant's failable_deliverables name "image-build" on every arch, may fail:
its error is a warning and the state file records failed (the compose finishes
FINISHED_INCOMPLETE). A failed optional arch loses only that arch's images. Any
other failed task fails the phase with one line naming the task and the hub's
error. Images of an earlier run that this run did not make again are removed.

With image_build_allow_reuse, a job whose inputs are those a job of the old compose finished
with sends no task: its images are hard-linked from the old compose and its records kept
(punji_lib.koji.reuse). Its inputs, as in Pungi: the block and the options it falls back on as
given, the arches, the repomd.xml of every repo outside the compose, the packages of the
compose's variants whose trees it installs from (rpms.json), and buildinstall: a tree whose
boot files buildinstall made anew (rather than skipped or took over) is built again.
"""

import hashlib
import os

from ..compose import jsonio, layout, state
from ..errors import PunjiError
from ..koji import images
from ..koji import reuse as kojireuse
from ..log import log

PHASE = "imagebuild"
PROG = "punji-imagebuild"
DELIVERABLE = "image-build"
METHOD = "buildImageOz"
REUSE = "image_build_allow_reuse"
# the options a block falls back on: part of its inputs as given
FALLBACKS = ("image_build_target", "image_build_ksurl", "image_build_release", "image_build_version",
             "global_target", "global_ksurl", "global_release", "global_version", "release_version")


def plan(topdir, conf, tree):
    """[job]: one per (variant, block) with arches left: the call's arguments and what to keep;
    with image_build_allow_reuse its inputs fingerprint too."""
    by_uid = {v["uid"]: v for v in tree}
    packages = _compose_packages(topdir) if conf.get(REUSE) else None
    jobs = []
    for v in tree:
        arches = sorted(a for a in v["arches"] if a != "src")
        for number, block in enumerate(images.blocks(conf, "image_build", v)):
            ib = block.get("image-build") or {}
            where = "option 'image_build' (variant %s, block %d)" % (v["uid"], number + 1)
            wanted = sorted(set(ib["arches"]) & set(arches)) if ib.get("arches") else arches
            if not wanted:
                continue
            formats = _formats(ib, where)
            images.require_keys(ib, ("name", "kickstart"), where)
            target = images.koji_target(conf, ib, "image_build_target", where)
            version = images.version(topdir, conf, ib, "image_build_version")
            source = ib.get("install_tree_from")
            if source is None:
                source = v["uid"] if v["type"] == "variant" or not v.get("parent") else v["parent"]
            install_tree = _install_tree(topdir, conf, source, by_uid, where)
            repos = ib.get("repo") or []
            repos = [repos] if isinstance(repos, str) else list(repos)
            if not v.get("is_empty") and v["uid"] not in repos:
                repos.append(v["uid"])
            failable = images.failable_arches(ib, wanted)
            section = dict(ib, kickstart=ib["kickstart"], ksurl=images.pick(conf, ib, "ksurl", "image_build_ksurl"),
                           release=images.release(topdir, conf, ib, "image_build_release"))
            opts = task_opts(section, block, formats, sent_failable(ib, wanted),
                             [images.repo_url(topdir, conf, images.repo_base(r, where) if isinstance(r, dict) else r,
                                              by_uid, where) for r in repos])
            jobs.append({
                "method": METHOD, "children": ["createImage"],
                "what": "image_build of %s (block %d)" % (v["uid"], number + 1),
                "variant": v["uid"], "images_in": images.images_home(v), "block": number + 1, "arches": wanted,
                "formats": formats,
                "subvariant": ib.get("subvariant") or v["uid"],
                "can_fail": failable == wanted or images.failable_everywhere(conf, v["uid"], wanted, DELIVERABLE),
                "optional": failable, "args": [ib["name"], version, wanted, target, install_tree],
                "opts": opts,
            })
            if packages is not None:
                trees = [r for r in repos if isinstance(r, str) and r in by_uid] + \
                    ([source] if source in by_uid else [])
                outside = [images.repo_base(r, where) if isinstance(r, dict) else r for r in repos
                           if not (isinstance(r, str) and r in by_uid)]
                jobs[-1]["inputs"] = fingerprint(topdir, conf, block, jobs[-1], sorted(set(trees)), outside,
                                                 packages)
    return jobs


def _formats(ib, where):
    """The image formats an image-build section IB asks for (a name, or a list of names or of
    [name, ...]); none, or one image_build does not know: one error line naming WHERE."""
    formats = [f[0] if isinstance(f, (list, tuple)) else f
               for f in (ib.get("format") if isinstance(ib.get("format"), list) else [ib.get("format")])
               if f]
    if not formats:
        raise PunjiError("%s: 'format' is missing" % where)
    unknown = [f for f in formats if f not in images.EXTENSIONS]
    if unknown:
        raise PunjiError("%s: unknown format %s (known: %s)" % (where, ", ".join(unknown),
                                                                 ", ".join(sorted(images.EXTENSIONS))))
    return formats


def _install_tree(topdir, conf, source, by_uid, where):
    """The install tree URL of install_tree_from SOURCE: a URL as it is, a path through
    translate_paths, a variant's os tree."""
    if "://" in source:
        return source
    if source.startswith("/"):
        return layout.translate_path(source, conf.get("translate_paths"))
    if source in by_uid:
        return images.tree_url(topdir, conf, by_uid[source])
    raise PunjiError("%s: install_tree_from %r is no variant of the compose" % (where, source))


# the keys of a block's image-build section `koji image-build --config` sends as they are
CLI_KEYS = ("ksurl", "ksversion", "kickstart", "release", "skip_tag", "specfile", "distro", "disk_size",
            "ova_option", "noverifyssl")


def task_opts(section, block, formats, failable, repo):
    """buildImageOz's opts as `koji image-build --config` sends them from the file Pungi writes
    for a block: SECTION's CLI_KEYS set (not None) as the INI file reads them back (cli_value),
    disk_size 10 when not set (the CLI's default; 'disc_size' is no key it knows), format and
    repo lists, optional_arches (FAILABLE's list, else the CLI's default ""), factory_parameter
    and ova_option pairs of the block's other sections in their order, keys lower-cased."""
    opts = {"format": formats, "repo": repo, "optional_arches": failable or "", "disk_size": 10}
    for key in CLI_KEYS:
        if section.get(key) is not None:
            opts[key] = cli_value(section[key])
    if section.get("scratch"):
        opts["scratch"] = True
    if "factory-parameters" in block:
        opts["factory_parameter"] = [[k.lower(), cli_value(v)] for k, v in pairs(block["factory-parameters"])]
    if "ova-options" in block:
        opts["ova_option"] = ["%s=%s" % (k.lower(), cli_value(v)) for k, v in pairs(block["ova-options"])]
    return opts


def pairs(section):
    """A section's (key, value) pairs in config order (the config slice holds them as pairs)."""
    return section.items() if isinstance(section, dict) else section


def cli_value(value):
    """VALUE as an INI file Pungi writes gives it back: a list joined with commas, else str()."""
    return ",".join(value) if isinstance(value, list) else str(value)


def sent_failable(ib, wanted):
    """The optional_arches Pungi hands the CLI: the block's 'failable' as given, sorted ("*": all
    the WANTED arches)."""
    failable = ib.get("failable") or []
    return list(wanted) if failable == ["*"] else sorted(failable)


def fingerprint(topdir, conf, block, job, trees, outside, packages):
    """The inputs of JOB (its BLOCK as given) when two composes can share them; None when a repo
    of OUTSIDE cannot be read or buildinstall made the boot files of a tree of TREES anew."""
    repomd = {}
    for repo in outside:
        for arch in job["arches"]:
            url = repo.replace("$basearch", arch).replace("$arch", arch).rstrip("/") + "/repodata/repomd.xml"
            try:
                repomd[url] = hashlib.sha256(_read_url(url)).hexdigest()
            except (OSError, ValueError) as exc:
                log.info("%s: not reusable: cannot read %s: %s", job["what"], url, exc)
                return None
    made = kojireuse.boot_files_made(topdir, trees, job["arches"])
    if made:
        log.info("%s: not reusable: buildinstall made %s anew", job["what"], made)
        return None
    return state.digest(block, {o: conf.get(o) for o in FALLBACKS}, job["arches"], job["can_fail"],
                        job["optional"], repomd,
                        {uid: {arch: packages.get(uid, {}).get(arch) for arch in job["arches"]} for uid in trees})


def _read_url(url):
    """The bytes at URL (a local path, file://, http(s)://)."""
    import urllib.request

    if "://" not in url:
        with open(url, "rb") as f:
            return f.read()
    with urllib.request.urlopen(url, timeout=60) as answer:
        return answer.read()


def _compose_packages(topdir):
    """rpms.json's {variant: {arch: packages}} of this compose ({} before gather wrote it)."""
    path = layout.at(topdir, layout.rpms_json())
    return jsonio.read_json(path)["payload"]["rpms"] if os.path.isfile(path) else {}


def matching(formats, filename):
    """(format, suffix) of the first of FORMATS whose suffix FILENAME ends with, else None."""
    for fmt in formats:
        for suffix in images.EXTENSIONS[fmt]:
            if filename.endswith("." + suffix):
                return fmt, suffix
    return None


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    images.run_jobs(topdir, conf, PHASE, PROG, plan(topdir, conf, tree), take, allow_reuse=bool(conf.get(REUSE)))


def take(topdir, job, arch, name):
    """Where the file NAME of a createImage task goes and its productmd type and format, or None."""
    kind = matching(job["formats"], name)
    if not kind:
        return None
    return {"dir": layout.image_dir(job["images_in"], arch), "type": kind[0], "format": kind[1]}


