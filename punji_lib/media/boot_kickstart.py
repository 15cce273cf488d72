"""buildinstall_kickstart: a kickstart the installer of a tree starts with, as Pungi adds it.

The kickstart goes into the os tree as ks.cfg, and every boot configuration lorax put there
(isolinux, yaboot, EFI) that names the tree's volume (LABEL=, or CDLABEL= before Fedora 18)
also gets `inst.ks=hd:LABEL=<volume id>:/ks.cfg` after it, the volume id escaped as the
configuration wants it (a space is \\x20; yaboot doubles the backslash). The EFI
configurations inside images/efiboot.img (a FAT image) are replaced by the tree's with
mtools. Pungi does this when it copies lorax's output into the tree; so does punji, on its
own copies, never on lorax's output in work/.
"""

import os
import re
import shutil
import subprocess
import tempfile

from ..errors import PunjiError

CONFIGS = ("isolinux/isolinux.cfg", "etc/yaboot.conf", "ppc/ppc64/yaboot.conf",
           "EFI/BOOT/BOOTX64.conf", "EFI/BOOT/grub.cfg")
EFI_IMAGE = "images/efiboot.img"
NAME = "ks.cfg"


def with_kickstart(text, volid, yaboot=False):
    """TEXT of a boot configuration whose volume labels also name the kickstart on volume VOLID."""
    label = volid.replace("\\", "\\\\" if yaboot else "\\").replace(" ", "\\\\x20" if yaboot else "\\x20")
    suffix = " inst.ks=hd:LABEL=%s:/%s" % (label, NAME)
    text = re.sub(r":CDLABEL=[^ \n]*", lambda _m: ":CDLABEL=" + label + suffix, text)
    text = re.sub(r":LABEL=[^ \n]*", lambda _m: ":LABEL=" + label + suffix, text)
    return re.sub(r"(search .* -l) '[^'\n]*'", lambda m: "%s '%s'" % (m.group(1), volid), text)


def add(tree, volid, kickstart):
    """Put KICKSTART (text) into the os tree TREE with its boot configurations pointing at it;
    the names of the tree's top that were added (none when lorax made no configuration)."""
    changed = []
    for rel in CONFIGS:
        path = os.path.join(tree, rel)
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
        _replace(path, with_kickstart(text, volid, yaboot="yaboot" in rel))
        changed.append(rel)
    if not changed:
        return []
    _replace(os.path.join(tree, NAME), kickstart)
    image = os.path.join(tree, EFI_IMAGE)
    if os.path.isfile(image):
        _update_efi_image(tree, image, changed)
    return [NAME]


def _replace(path, text):
    """Write TEXT at PATH as a new file: lorax's output, hard-linked into the tree, stays as it was."""
    tmp = path + ".new"
    with open(tmp, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)
    os.replace(tmp, path)


def _update_efi_image(tree, image, configs):
    """Replace in a copy of the FAT IMAGE each of CONFIGS it holds by the tree's; rename it into place."""
    copy = image + ".new"
    shutil.copyfile(image, copy)
    try:
        for rel in configs:
            if _mtools(["mdir", "-b", "-i", copy, "::" + rel], check=False).returncode != 0:
                continue  # not in the image
            _mtools(["mcopy", "-o", "-i", copy, os.path.join(tree, rel), "::" + rel])
        os.replace(copy, image)
    except BaseException:
        if os.path.exists(copy):
            os.unlink(copy)
        raise


def _mtools(argv, check=True):
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    except FileNotFoundError:
        raise PunjiError("%s is not installed (it comes with mtools)" % argv[0])
    if check and done.returncode != 0:
        lines = done.stdout.strip().splitlines() or ["exit code %d" % done.returncode]
        raise PunjiError("%s failed on %s: %s" % (argv[0], argv[3], lines[-1]))
    return done


def fetch(entry, config_dir, workdir):
    """The text of the kickstart scm dict (or path) ENTRY names; a local one relative to CONFIG_DIR."""
    from ..config import scm

    if not isinstance(entry, dict):
        entry = {"scm": "file", "file": entry}
    with tempfile.TemporaryDirectory(prefix=".kickstart-", dir=workdir) as tmp:
        path = scm.fetch_file(entry, tmp, "option 'buildinstall_kickstart'", config_dir, workdir=tmp)
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            return f.read()
