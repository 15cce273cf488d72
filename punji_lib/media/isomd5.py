"""The MD5 implantisomd5 puts into an ISO image, as isomd5sum defines it: implanted (Implant,
implant: byte for byte what implantisomd5 writes, computed while the image is written or in
one read of it), read from an image, computed over its blocks, and checked once by the phase
that wrote the image so that the test phase need not read it again."""

import hashlib
import os
import re

from ..compose import layout
from ..errors import PunjiError

APPDATA_OFFSET, APPDATA_SIZE, SECTOR = 883, 512, 2048
SKIPSECTORS, FRAGMENT_COUNT, FRAGMENT_SUM_SIZE = 15, 20, 60
READ = 16 * SECTOR  # implantisomd5 reads this much at a time and takes fragment sums between reads
STATEMENT = "THIS IS NOT THE SAME AS RUNNING MD5SUM ON THIS ISO!!"


class Implant:
    """implantisomd5's sums of an image fed its bytes in order (update): the md5 of its volume
    less the last SKIPSECTORS sectors, and a fragment sum after each of its reads that starts in
    a later one of FRAGMENT_COUNT + 1 equal parts: of the first 3 bytes of the md5 so far, the
    first digit each is written with in hex (one digit below 16).
    appdata() is then where and what it writes into the primary volume descriptor. NAME: the
    image's, for errors."""

    def __init__(self, name):
        self.name, self.md5, self.offset, self.sums = name, hashlib.md5(), 0, []
        self.head, self.pvd, self.end, self.cut, self.cuts = bytearray(), None, None, None, iter(())

    def update(self, data):
        if self.pvd is None:
            self.head += data
            if not self._found_pvd():
                return
            data, self.head = self.head, None
        view = memoryview(data)
        while view and self.offset < self.end:
            stop = self.cut if self.cut is not None else self.end
            taken, view = view[:stop - self.offset], view[stop - self.offset:]
            self.md5.update(taken)
            self.offset += len(taken)
            if self.offset == self.cut:
                digest = self.md5.copy().digest()[:FRAGMENT_SUM_SIZE // FRAGMENT_COUNT]
                self.sums.append("".join(("%x" % byte)[0] for byte in digest))
                self.cut = next(self.cuts, None)

    def _found_pvd(self):
        for sector in range(16, 48):
            vd = self.head[sector * SECTOR:(sector + 1) * SECTOR]
            if len(vd) < SECTOR:
                return False
            if vd[1:6] != b"CD001" or vd[0] == 255:
                break
            if vd[0] == 1:
                if vd[APPDATA_OFFSET:APPDATA_OFFSET + APPDATA_SIZE].strip(b" "):
                    raise PunjiError("%s: its application data is in use: no md5 implanted" % self.name)
                self.pvd = sector * SECTOR
                self.end = max(int.from_bytes(vd[84:88], "big") * SECTOR - SKIPSECTORS * SECTOR, 0)
                self.cuts = _fragment_cuts(self.end, self.name)
                self.cut = next(self.cuts, None)
                return True
        raise PunjiError("%s: no primary volume descriptor" % self.name)

    def hexdigest(self):
        return self.md5.hexdigest()

    def appdata(self, supported=False):
        """(file offset, bytes) of the application data that implantisomd5 writes."""
        if self.pvd is None or self.offset < self.end:
            raise PunjiError("%s: the image ends before its volume does" % self.name)
        text = "ISO MD5SUM = %s;SKIPSECTORS = %d;RHLISOSTATUS=%d;FRAGMENT SUMS = %s;FRAGMENT COUNT = %d;%s" % (
            self.hexdigest(), SKIPSECTORS, int(bool(supported)), "".join(self.sums), FRAGMENT_COUNT, STATEMENT)
        return self.pvd + APPDATA_OFFSET, text.encode("ascii").ljust(APPDATA_SIZE, b" ")


def _fragment_cuts(total, name):
    """The offsets after which implantisomd5 takes a fragment sum of a volume of TOTAL bytes."""
    part = total // (FRAGMENT_COUNT + 1)
    if total and not part:
        raise PunjiError("%s: too small a volume for fragment sums (%d bytes)" % (name, total))
    for start in range(READ, total, READ):
        if start // part != (start - READ) // part:
            yield min(start + READ, total)


def implant(path, supported=False):
    """Implant the md5 of the ISO image at PATH as implantisomd5 does (marked a supported ISO
    when SUPPORTED), in one read of it; returns that md5."""
    sums = Implant(os.path.basename(path))
    with open(path, "r+b", buffering=0) as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            sums.update(block)
        offset, data = sums.appdata(supported)
        os.pwrite(f.fileno(), data, offset)
    return sums.hexdigest()


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
