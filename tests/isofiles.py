"""Reading the ISOs a test composed: their volume id, files and El Torito platforms
(pycdlib), their content (xorriso) and their implanted MD5 (checkisomd5); files no image
can hold."""

import os
import subprocess


def joliet_twins(directory):
    """Two files in DIRECTORY (made when missing) whose Joliet names are alike: genisoimage
    refuses an image holding both."""
    os.makedirs(directory, exist_ok=True)
    for tail in ("one", "two"):
        with open(os.path.join(directory, "release-notes-" + "x" * 110 + tail), "w") as f:
            f.write(tail + "\n")


def read_iso(path):
    """(volume id, {file paths}, {directory paths}) of ISO PATH, read with pycdlib (Rock Ridge names),
    but genisoimage's TRANS.TBL files (left out of the manifest too, as Pungi does)."""
    import pycdlib

    image = pycdlib.PyCdlib()
    image.open(path)
    try:
        files, dirs = set(), set()
        for top, subdirs, names in image.walk(rr_path="/"):
            base = top.rstrip("/")
            files.update("%s/%s" % (base, n) for n in names if n != "TRANS.TBL")
            dirs.update("%s/%s" % (base, d) for d in subdirs)
        return image.pvd.volume_identifier.decode().rstrip(), files, dirs
    finally:
        image.close()


def extract(path, dest):
    """Every file of ISO PATH copied out into DEST (xorriso -osirrox)."""
    subprocess.run(["xorriso", "-osirrox", "on", "-indev", path, "-extract", "/", str(dest)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["chmod", "-R", "u+w", str(dest)], check=True)
    return str(dest)


def checkisomd5(path):
    return subprocess.run(["checkisomd5", path], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)


def el_torito_platforms(path):
    import pycdlib

    image = pycdlib.PyCdlib()
    image.open(path)
    try:
        catalog = image.eltorito_boot_catalog
        return [catalog.validation_entry.platform_id] + [s.platform_id for s in catalog.sections]
    finally:
        image.close()
