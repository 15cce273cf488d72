"""The boot.iso lorax made for a tree, as an image of the compose (Pungi's link_boot_iso).

Pungi hard-links the os tree's images/boot.iso into the tree's iso directory, named by
image_name_format with disc type disc_types["boot"] (Fedora's "netinst") and no disc number,
writes its .manifest beside it and lists it in images.json at that path, type "boot". The
buildinstall phase does that here too (record()); since createiso then writes the iso
directory anew (its images built aside and swapped in), it puts the boot image back into
the directory it swaps in (carry()), from the os tree and the manifest kept in work/.
"""

import os

from ..compose import dirs, jsonio, layout
from ..log import log
from . import iso, naming

TREE_PATH = "images/boot.iso"


def record(topdir, v, arch, log_path):
    """The productmd image record of V.ARCH's boot.iso, linked into its iso directory, or None
    when lorax made none."""
    uid = v["uid"]
    source = os.path.join(layout.at(topdir, layout.os_tree(uid, arch)), TREE_PATH)
    if not os.path.isfile(source):
        return None
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice("createiso")))
    boot_type = (conf.get("disc_types") or {}).get("boot", "boot")
    name = naming.image_name(conf, naming.substitutions(conf, topdir), v, arch, None, kind=boot_type)
    jsonio.write_text(layout.at(topdir, layout.boot_iso_manifest(uid, arch)),
                      "".join(line + "\n" for line in iso.manifest(source, log_path)))
    path = os.path.join(layout.iso_dir(uid, arch), name)
    _link(topdir, uid, arch, name, layout.at(topdir, layout.iso_dir(uid, arch)))
    st = os.stat(source)
    return {
        "path": os.path.relpath(path, "compose"), "mtime": int(st.st_mtime), "size": st.st_size,
        "volume_id": iso.read_volume_id(source), "type": "boot", "format": "iso", "arch": arch,
        "disc_number": 1, "disc_count": 1, "checksums": {}, "implant_md5": iso.implanted_md5(source, log_path),
        "bootable": True, "subvariant": uid,
    }


def carry(topdir, uid, arch, directory):
    """Put the boot image buildinstall recorded for UID.ARCH (if any) into DIRECTORY, which
    is to become the tree's iso directory."""
    try:
        images = jsonio.read_json(layout.at(topdir, layout.buildinstall_json(uid, arch))).get("images") or []
    except (OSError, ValueError):
        return
    for image in images:
        if image.get("type") == "boot" and os.path.dirname(image["path"]) == os.path.relpath(
                layout.iso_dir(uid, arch), "compose"):
            _link(topdir, uid, arch, os.path.basename(image["path"]), directory)


def _link(topdir, uid, arch, name, directory):
    """Hard-link the tree's boot.iso into DIRECTORY as NAME, with its manifest (NAME.manifest)."""
    source = os.path.join(layout.at(topdir, layout.os_tree(uid, arch)), TREE_PATH)
    manifest = layout.at(topdir, layout.boot_iso_manifest(uid, arch))
    if not os.path.isfile(source) or not os.path.isfile(manifest):
        return
    os.makedirs(directory, exist_ok=True)
    target = os.path.join(directory, name)
    dirs.place(target, lambda tmp: os.link(source, tmp))
    jsonio.write_text(target + ".manifest", jsonio.read_text(manifest))
    log.info("%s.%s: its boot.iso linked as %s", uid, arch, name)
