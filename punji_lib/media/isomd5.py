"""The MD5 implantisomd5 puts into an ISO image, as isomd5sum defines it: read from the image,
computed over its blocks, and checked once by the phase that wrote the image (while its file
is read for the media checksums) so that the test phase need not read it again."""

import hashlib
import os
import re

from ..compose import layout

APPDATA_OFFSET, APPDATA_SIZE, SECTOR = 883, 512, 2048


def read_implanted(path):
    """{md5, skipsectors, appdata (file offset), isosize} that implantisomd5 left in the
    primary volume descriptor's application data, or None."""
    with open(path, "rb") as f:
        for sector in range(16, 48):
            f.seek(sector * SECTOR)
            vd = f.read(SECTOR)
            if len(vd) < SECTOR or vd[1:6] != b"CD001" or vd[0] == 255:
                return None
            if vd[0] == 1:
                break
        else:
            return None
    text = vd[APPDATA_OFFSET:APPDATA_OFFSET + APPDATA_SIZE].decode("ascii", "replace")
    md5 = re.search(r"ISO MD5SUM = ([0-9a-f]{32})", text)
    skip = re.search(r"SKIPSECTORS = (\d+)", text)
    if not md5:
        return None
    return {"md5": md5.group(1), "skipsectors": int(skip.group(1)) if skip else 0,
            "appdata": sector * SECTOR + APPDATA_OFFSET, "isosize": int.from_bytes(vd[80:84], "little") * SECTOR}


class IsoMd5:
    """isomd5sum's md5 of an image fed its bytes in order (update, hexdigest, as a hashlib
    object): its volume less the last SKIPSECTORS sectors, the application data read as
    spaces. IMPLANTED: what read_implanted found."""

    def __init__(self, implanted):
        self.md5, self.offset = hashlib.md5(), 0
        self.end = implanted["isosize"] - implanted["skipsectors"] * SECTOR
        self.start, self.stop = implanted["appdata"], implanted["appdata"] + APPDATA_SIZE

    def update(self, data):
        offset, self.offset = self.offset, self.offset + len(data)
        data = data[:max(self.end - offset, 0)]
        if offset < self.stop and offset + len(data) > self.start:
            data = bytearray(data)
            lo, hi = max(self.start - offset, 0), min(self.stop - offset, len(data))
            data[lo:hi] = b" " * (hi - lo)
        self.md5.update(data)

    def hexdigest(self):
        return self.md5.hexdigest()


def implanted_md5(path, implanted):
    """The md5 IsoMd5 computes of the image at PATH."""
    md5 = IsoMd5(implanted)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            md5.update(block)
    return md5.hexdigest()


# -- checked by the phase that wrote the image ------------------------------------------


def _mark(topdir, rel):
    """work/global/test/md5-checked/<compose-relative path, / as %>: the image file whose
    implanted md5 was checked against its content, by inode, size and mtime."""
    return layout.at(topdir, os.path.join(os.path.dirname(layout.image_checks_json()), "md5-checked",
                                          rel.replace("%", "%25").replace("/", "%2F")))


def _identity(path, md5):
    st = os.stat(path)
    return "%d %d %d %s" % (st.st_ino, st.st_size, st.st_mtime_ns, md5)


def mark_checked(topdir, rel, path, md5):
    """Record that the image file PATH (to be compose/REL, the same file renamed) carries
    the md5 MD5 its content gives."""
    from ..compose import jsonio

    mark = _mark(topdir, rel)
    os.makedirs(os.path.dirname(mark), exist_ok=True)
    jsonio.write_text(mark, _identity(path, md5) + "\n")


def was_checked(topdir, rel, md5):
    """Whether compose/REL is still the file whose implanted md5 MD5 mark_checked recorded."""
    try:
        with open(_mark(topdir, rel), encoding="utf-8") as f:
            return f.read().strip() == _identity(os.path.join(layout.at(topdir, "compose"), rel), md5)
    except OSError:
        return False
