"""create_jigdo: the .jigdo and .template files of an ISO, as Pungi 4.3.2 makes them.

After an image is written, jigdo-file make-template matches its content against the files of
the tree it was made from (the variant's os tree, for a source image its source tree) and
writes <image>.jigdo and <image>.template into compose/<variant>/<arch>/jigdo/
(compose/<variant>/source/jigdo/): no servers section, the files' paths relative to the tree.
An addon gets none (it has no images), an optional variant only with create_optional_isos.
A .jigdo names its image and template; taken over with an image of an old compose, it is
renamed and those two names are written anew, so it reads as one made for this compose.
"""

import os
import re
import shutil

from ..compose import dirs, layout
from ..errors import PunjiError
from . import iso

SUFFIXES = (".jigdo", ".template")


def wanted(conf, v):
    """Whether images of variant V get jigdo files."""
    if not conf.get("create_jigdo") or v["type"] == "addon":
        return False
    return v["type"] != "optional" or bool(conf.get("create_optional_isos"))


def directory(topdir, uid, arch):
    return layout.at(topdir, layout.jigdo_dir(uid, arch))


def make(image, tree, out_dir, log_path=None):
    """IMAGE's .jigdo and .template in OUT_DIR, matched against the files of TREE."""
    name = os.path.basename(image)
    argv = ["jigdo-file", "make-template", "--force", "--image=%s" % os.path.abspath(image),
            "--jigdo=%s" % os.path.join(os.path.abspath(out_dir), name + ".jigdo"),
            "--template=%s" % os.path.join(os.path.abspath(out_dir), name + ".template"),
            "--no-servers-section", "--report=noprogress", os.path.abspath(tree).rstrip("/") + "//"]
    try:
        iso.run_tool(argv, log_path, what=name)
    except PunjiError as exc:
        raise PunjiError("option 'create_jigdo': %s" % exc) from None


def make_into(image, tree, out_dir, scratch, log_path=None):
    """make() in SCRATCH (an empty directory), the files then moved into OUT_DIR, which holds
    other images' jigdo files."""
    os.makedirs(scratch, exist_ok=True)
    make(image, tree, scratch, log_path)
    os.makedirs(out_dir, exist_ok=True)
    name = os.path.basename(image)
    for made, final in zip(files(scratch, name), files(out_dir, name)):
        os.replace(made, final)


def place(target, made):
    """The jigdo directory TARGET: MADE (a directory made aside of it) put in its place, or
    none when MADE is None."""
    if made:
        os.chmod(made, 0o755)
        dirs.swap(made, target)
    elif os.path.lexists(target):
        shutil.rmtree(target, ignore_errors=True)


def files(out_dir, name):
    """The paths of image NAME's jigdo files in OUT_DIR."""
    return [os.path.join(out_dir, name + suffix) for suffix in SUFFIXES]


def intact(out_dir, names):
    """Whether OUT_DIR holds the jigdo files of every image of NAMES."""
    return all(os.path.isfile(path) for name in names for path in files(out_dir, name))


def take_over(old_dir, old_name, out_dir, name):
    """Old image OLD_NAME's jigdo files of OLD_DIR as image NAME's in OUT_DIR: the template
    hard-linked, the .jigdo written with NAME (OSError when either is missing)."""
    old_jigdo, old_template = files(old_dir, old_name)
    new_jigdo, new_template = files(out_dir, name)
    with open(old_jigdo, encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    text = re.sub(r"(?m)^Filename=.*$", lambda _m: "Filename=" + name, text, count=1)
    text = re.sub(r"(?m)^Template=.*$", lambda _m: "Template=" + name + ".template", text, count=1)
    os.makedirs(out_dir, exist_ok=True)
    _replace(new_template, lambda tmp: os.link(old_template, tmp))
    _replace(new_jigdo, lambda tmp: _write(tmp, text))


TMP = ".jigdo-tmp"


def _replace(final, make):
    """FINAL made by MAKE(path) under a temporary name beside it, then renamed."""
    tmp = os.path.join(os.path.dirname(final), ".%s%s" % (os.path.basename(final), TMP))
    if os.path.lexists(tmp):
        os.unlink(tmp)
    make(tmp)
    os.replace(tmp, final)


def _write(path, text):
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)


def clear_leftovers(out_dir):
    """Remove the files take_over() left half made in OUT_DIR (a killed run)."""
    for name in os.listdir(out_dir) if os.path.isdir(out_dir) else ():
        if name.startswith(".") and name.endswith(TMP):
            os.unlink(os.path.join(out_dir, name))

