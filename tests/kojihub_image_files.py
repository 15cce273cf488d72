"""The small real images the test hubs' image tasks write (make_image), per format: qcow2
(qemu-img when it exists, else raw bytes under that name), raw-xz, docker (tar.xz) and tar-gz
of a small root tree, an ISO made with xorriso (iso, liveimg-squashfs, live: with an El Torito
entry and a hybrid MBR where it boots), and raw bytes for any other format. The same label
gives the same bytes."""

import gzip
import io
import lzma
import os
import shutil
import subprocess
import tarfile


def make_image(fmt, path, label):
    """A small real image of format FMT at PATH."""
    tmp = path + ".tmp"
    raw = (b"PUNJI-TEST-IMAGE " + label.encode() + b"\n").ljust(1 << 16, b"\0")
    if fmt == "qcow2" and shutil.which("qemu-img"):
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", tmp, "1M"], check=True)
    elif fmt == "raw-xz":
        with open(tmp, "wb") as f:
            f.write(lzma.compress(raw, format=lzma.FORMAT_XZ))
    elif fmt == "docker":
        with tarfile.open(tmp, "w:xz", format=tarfile.PAX_FORMAT) as tar:
            add_os_release(tar, label)
    elif fmt == "tar-gz":  # the gzip header's mtime fixed too: the same image, the same bytes
        with open(tmp, "wb") as out, gzip.GzipFile(fileobj=out, mode="wb", mtime=1704067200) as packed, \
                tarfile.open(fileobj=packed, mode="w", format=tarfile.PAX_FORMAT) as tar:
            add_os_release(tar, label)
    elif fmt in ("iso", "liveimg-squashfs", "live"):
        src = tmp + ".d"
        os.makedirs(src, exist_ok=True)
        with open(os.path.join(src, "README"), "w") as f:
            f.write(label + "\n")
        boot = []
        if fmt in ("iso", "live"):  # live media boot: an El Torito entry (a stand-in boot image)
            os.makedirs(os.path.join(src, "isolinux"))
            with open(os.path.join(src, "isolinux", "isolinux.bin"), "wb") as f:
                f.write(b"\xfa\xeb\xfe".ljust(2048, b"\0"))
            os.makedirs(os.path.join(src, "images"))
            with open(os.path.join(src, "images", "efiboot.img"), "wb") as f:
                f.write(b"\0" * 32768)
            mbr = bytearray(32768)  # a hybrid MBR in the system area: one partition, the 0x55AA signature
            mbr[446:462] = bytes([0x80, 0, 1, 0, 0x17, 0xfe, 0xff, 0xff]) + (0).to_bytes(4, "little") \
                + (2048).to_bytes(4, "little")
            mbr[510:512] = b"\x55\xaa"
            with open(tmp + ".mbr", "wb") as f:
                f.write(mbr)
            boot = ["-G", tmp + ".mbr", "-b", "isolinux/isolinux.bin", "-c", "isolinux/boot.cat", "-no-emul-boot",
                    "-boot-load-size", "4", "-boot-info-table", "-eltorito-alt-boot", "-e", "images/efiboot.img",
                    "-no-emul-boot"]
        subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-R", "-V", label.replace(" ", "-")[:32]] + boot
                       + ["-o", tmp, src], check=True, capture_output=True)
        shutil.rmtree(src)
        if os.path.exists(tmp + ".mbr"):
            os.unlink(tmp + ".mbr")
        if fmt == "iso" and shutil.which("implantisomd5"):
            subprocess.run(["implantisomd5", tmp], check=True, capture_output=True)
    else:
        with open(tmp, "wb") as f:
            f.write(raw)
    os.replace(tmp, path)


def add_os_release(tar, label):
    data = ("%s\n" % label).encode()
    info = tarfile.TarInfo("etc/os-release")
    info.size, info.mtime = len(data), 1704067200
    tar.addfile(info, io.BytesIO(data))
