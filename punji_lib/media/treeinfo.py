""".treeinfo and .discinfo of an os tree, with productmd.

The .treeinfo names the release (and the base product of a layered one), the
tree's arch (src for a source tree) and build time, the variant with its
repository and packages paths and its addons on the same arch (their repos are
inside this tree: addons/<id>). When buildinstall ran lorax for the variant, as in
Pungi the installer images lorax's own .treeinfo lists (work/<arch>/buildinstall/<variant>)
are listed per platform (each a platform of the tree: x86_64 and xen on x86_64), with its
stage2 images, and each has a [checksums] entry of type createrepo_checksum.
"""

import os

from ..compose import jsonio, layout, state
from ..errors import PunjiError


FILES = (".treeinfo", ".discinfo", "media.repo")


def write(topdir, v, tree, arch, timestamp):
    """Write .treeinfo, .discinfo and media.repo (FILES) into the os tree (arch 'src': the
    source tree) of variant V on ARCH; an addon has none (its parent's .treeinfo lists it)."""
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice("createrepo")))
    top = layout.at(topdir, layout.tree_dir(v["uid"], arch))
    main = v["id"].replace("-", "") if v["type"] != "layered-product" else v["parent"]
    ti = treeinfo(conf, v, tree, arch, timestamp, top)
    if v["type"] == "variant":
        installer_images(ti, conf, top, _lorax_treeinfo(topdir, v, arch))
    jsonio.write_text(os.path.join(top, ".treeinfo"), dumps(ti, main))
    jsonio.write_text(os.path.join(top, ".discinfo"), discinfo_text(conf, v, arch, timestamp))
    jsonio.write_text(os.path.join(top, "media.repo"), media_repo_text(conf, v, arch, timestamp))


def inputs(topdir, v, tree, arch, timestamp):
    """A digest of everything write() reads: with the same, it writes the same files. The
    images it checksums go by size, mtime and inode (a taken-over image keeps them)."""
    top = layout.at(topdir, layout.tree_dir(v["uid"], arch))
    lorax = _lorax_treeinfo(topdir, v, arch)
    listed = sorted(_lorax_paths(lorax)) if v["type"] == "variant" else []
    stats = []
    for path in listed:
        try:
            st = os.stat(os.path.join(top, path))
            stats.append([path, st.st_size, st.st_mtime_ns, st.st_ino])
        except FileNotFoundError:
            stats.append([path, None])
    return state.digest(jsonio.read_json(layout.at(topdir, layout.config_slice("createrepo"))), v, tree, arch,
                        int(timestamp), jsonio.read_text(lorax) if v["type"] == "variant" else None, stats)


def _lorax_treeinfo(topdir, v, arch):
    """Where lorax's own .treeinfo of V's tree on ARCH is when buildinstall ran for it."""
    return os.path.join(layout.at(topdir, layout.buildinstall_dir(v["uid"], arch)), ".treeinfo")


def _lorax_paths(lorax_treeinfo):
    """The files lorax's .treeinfo lists (stage2 and images), [] without one."""
    parser = _read_lorax(lorax_treeinfo)
    if parser is None:
        return []
    paths = [parser.get("stage2", key) for key in ("mainimage", "instimage") if parser.get("stage2", key, fallback=None)]
    return paths + [path for section in parser.sections() if section.startswith("images-")
                    for _kind, path in parser.items(section) if path]


def _read_lorax(path):
    """lorax's .treeinfo at PATH as a RawConfigParser, None when there is none."""
    if not os.path.isfile(path):
        return None
    import configparser

    lorax = configparser.RawConfigParser()
    lorax.optionxform = str
    try:
        lorax.read(path)
    except configparser.Error as exc:
        raise PunjiError("%s: cannot read it: %s" % (path, str(exc).splitlines()[0]))
    return lorax


def media_repo_text(conf, v, arch, timestamp):
    """media.repo: the tree as installation media, named by its description."""
    return ("[InstallMedia]\nname=%s\nmediaid=%s\nmetadata_expire=-1\ngpgcheck=0\ncost=500\n"
            % (description(conf, v, arch), timestamp))


def description(conf, v, arch):
    """What .discinfo and media.repo call V's tree on ARCH, as Pungi words it:
    release_discinfo_description when set; for a layered product "<its release name and
    version> for <release_name> <major release_version>"; else "<release_name>
    <release_version>", with " for <base_product_name> <base_product_version>" on a base
    product. %(variant_name)s and %(arch)s are filled in."""
    if conf.get("release_discinfo_description") is not None:
        text = conf["release_discinfo_description"]
    elif v["type"] == "layered-product":
        release = v.get("release") or {}
        text = "%s %s for %s %s" % (release.get("name"), release.get("version"), conf["release_name"],
                                    conf["release_version"].split(".")[0])
    else:
        text = "%s %s" % (conf["release_name"], conf["release_version"])
        if conf.get("base_product_name"):
            text += " for %s %s" % (conf["base_product_name"], conf.get("base_product_version"))
    if "%" not in text:
        return text
    try:
        return text % {"variant_name": v["name"], "arch": arch}
    except (KeyError, ValueError, TypeError) as exc:
        raise PunjiError("option 'release_discinfo_description': %r cannot be filled in: %s" % (text, exc))


def load(path):
    """The .treeinfo at PATH, read by productmd; an error naming PATH when it cannot be read."""
    from productmd.treeinfo import TreeInfo

    ti = TreeInfo()
    try:
        ti.load(path)
    except Exception as exc:
        raise PunjiError("%s: cannot read it: %s" % (path, exc))
    return ti


def treeinfo(conf, v, tree, arch, timestamp, top):
    from productmd.treeinfo import TreeInfo

    ti = TreeInfo()
    ti.release.name = conf["release_name"]
    ti.release.short = conf["release_short"]
    ti.release.version = conf.get("treeinfo_version") or conf["release_version"]
    ti.release.type = conf.get("release_type") or "ga"
    if v["type"] == "layered-product":  # Pungi: its own release on the compose's major version
        ti.release.name, ti.release.short = v["release"]["name"], v["release"]["short"]
        ti.release.version, ti.release.is_layered = v["release"]["version"], True
        ti.base_product.name = conf["release_name"]
        ti.base_product.short = conf["release_short"]
        ti.base_product.version = conf["release_version"].split(".")[0]
    elif conf.get("base_product_name"):
        ti.release.is_layered = True
        ti.base_product.name = conf["base_product_name"]
        ti.base_product.short = conf["base_product_short"]
        ti.base_product.version = conf["base_product_version"]
    ti.tree.arch = arch
    ti.tree.build_timestamp = int(timestamp)
    ti.tree.platforms.add(arch)
    main = _variant(ti, tree_parent(v, tree) if v["type"] == "layered-product" else v, ".", "Packages")
    ti.variants.add(main)
    for child in tree:
        if child["parent"] == v["uid"] and child["type"] == "addon" and (arch == "src" or arch in child["arches"]):
            rel = os.path.relpath(layout.repo_dir(child, arch), layout.tree_dir(v["uid"], arch))
            main.add(_variant(ti, child, rel, rel))
    return ti


def _variant(ti, member, repository, packages):
    """A productmd variant for MEMBER, with its paths relative to the tree."""
    from productmd.treeinfo import Variant

    variant = Variant(ti)
    # Pungi leaves the dashes out of the id productmd checks; the uid keeps them
    variant.id, variant.uid, variant.name = member["id"].replace("-", ""), member["uid"], member["name"]
    # a .treeinfo knows variant, optional and addon; a layered product's tree is its own variant
    variant.type = "variant" if member["type"] == "layered-product" else member["type"]
    variant.paths.repository, variant.paths.packages = repository, packages
    return variant


def tree_parent(v, tree):
    """A layered product's .treeinfo names its parent as the variant (with the product's paths)."""
    parent = next(p for p in tree if p["uid"] == v["parent"])
    return dict(parent, type="variant")


def dumps(ti, main_variant):
    """The text of TI with MAIN_VARIANT in the old [general] section (productmd's dumps()
    would name the first variant by id there, an addon maybe)."""
    import io

    ti.validate()
    parser = ti._get_parser()
    ti.serialize(parser, main_variant=main_variant)
    out = io.StringIO()
    ti.build_file(parser, out)
    return out.getvalue()


def installer_images(ti, conf, top, lorax_treeinfo):
    """Add to TI what lorax's .treeinfo at LORAX_TREEINFO (when there is one) lists: its stage2
    images and its images per platform (an image without a path left out), each platform also
    in [tree] platforms, each file with its checksum (createrepo_checksum) in the tree TOP."""
    lorax = _read_lorax(lorax_treeinfo)
    if lorax is None:
        return
    checksum = conf.get("createrepo_checksum") or "sha256"
    paths = []
    for key in ("mainimage", "instimage"):
        if lorax.get("stage2", key, fallback=None):
            setattr(ti.stage2, key, lorax.get("stage2", key))
            paths.append(lorax.get("stage2", key))
    for section in lorax.sections():
        if section.startswith("images-"):
            platform = section[len("images-"):]
            images = ti.images.images.setdefault(platform, {})
            ti.tree.platforms.add(platform)
            for kind, path in lorax.items(section):
                if path:
                    images[kind] = path
                    paths.append(path)
    for path in paths:
        if not os.path.isfile(os.path.join(top, path)):
            raise PunjiError("%s lists %s, which is not in the tree %s" % (lorax_treeinfo, path, top))
        ti.checksums.add(path, checksum, root_dir=top)


def discinfo_text(conf, v, arch, timestamp, disc_numbers=None):
    """The four lines of a .discinfo: time stamp, description, arch, disc numbers."""
    numbers = ",".join(str(n) for n in disc_numbers) if disc_numbers else "ALL"
    return "%s\n%s\n%s\n%s\n" % (int(timestamp), description(conf, v, arch), arch, numbers)
