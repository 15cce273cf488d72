"""ISO images as Pungi makes them: media sizes, image names, volume ids, and the
tools that write and read them (genisoimage or xorriso, isohybrid, implantisomd5,
checkisomd5).

A disc is described by a dict {path on the ISO: file on disk}; `make_image`
writes it (El Torito BIOS and EFI entries and a hybrid MBR when asked), implants
its MD5 and flushes it to disk. Like Pungi, genisoimage writes the images unless
createiso_use_xorrisofs asks for xorriso: on 21,824 packages (168 MB, one
directory) genisoimage takes 0.6 s, xorriso 2.0 s (its reader and writer threads
hand over every few kilobytes) and pycdlib 14 s (it also has no Joliet names over
64 characters). Nothing here knows about variants or compose layout.
"""

import errno
import os
import re
import signal
import subprocess

from .. import tool_output
from ..errors import PunjiError
from ..log import Throttle, log, progress

VOLID_MAX = 32
SECTOR = 2048
# What every image takes besides its files: the 32 KiB system area and the volume
# descriptors before the first file, and the 300 KiB of padding mkisofs (and xorriso
# as mkisofs) writes at the end.
OVERHEAD = 64 * 1024 + 300 * 1024
UNITS = {"": 1, "b": 1, "k": 1024, "M": 1024 ** 2, "G": 1024 ** 3}
PACKAGES = {  # tool -> the package that provides it (Debian; Fedora)
    "genisoimage": "genisoimage",
    "isohybrid": "syslinux-utils on Debian, syslinux on Fedora",
    "xorriso": "xorriso",
    "implantisomd5": "isomd5sum",
    "checkisomd5": "isomd5sum",
    "createrepo_c": "createrepo-c on Debian, createrepo_c on Fedora",
    "jigdo-file": "jigdo-file on Debian, jigdo on Fedora",
}
# Where distributions keep the hybrid MBR template matching their isolinux.bin.
ISOHYBRID_MBRS = ("/usr/lib/ISOLINUX/isohdpfx.bin", "/usr/share/syslinux/isohdpfx.bin",
                  "/usr/lib/syslinux/mbr/isohdpfx.bin", "/usr/lib/syslinux/isohdpfx.bin")
BIOS_ARCHES = ("i386", "i686", "x86_64")
EFI_ARCHES = ("x86_64", "aarch64")
# the arches whose images Pungi 4.3.2 writes without -input-charset; as genisoimage refuses iso_level
# 4 with a charset, only these arches' images can have that level with genisoimage
NO_CHARSET_ARCHES = ("ppc", "ppc64", "ppc64le")
PPC_ARCHES = ("ppc", "ppc64", "ppc64le")
# the El Torito image (no emulation) of the arches booted from one, as Pungi 4.3.2 names them
PLAIN_BOOT_IMAGES = {"ia64": "images/boot.img", "s390": "images/cdboot.img", "s390x": "images/cdboot.img"}
# lorax's filename mapping of the Apple/HFS side of a ppc image (pylorax's templates; old lorax)
LORAX_PPC_MAPPINGS = ("/usr/share/lorax/templates.d/99-generic/config_files/ppc/mapping",
                      "/usr/share/lorax/config_files/ppc/mapping")
BIOS_IMAGE = "isolinux/isolinux.bin"
BOOT_CATALOG = "isolinux/boot.cat"
EFI_IMAGE = "images/efiboot.img"


# -- names ---------------------------------------------------------------------------


def parse_size(value, option):
    """Bytes of an iso_size-style value: a number, or digits with a b, k, M or G unit
    (powers of 1024), as Pungi reads it."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    match = re.match(r"^\s*([0-9]+)\s*([bkMG]?)\s*$", str(value))
    if not match:
        raise PunjiError("option '%s': %r is not a size (digits with an optional b, k, M or G)" % (option, value))
    return int(match.group(1)) * UNITS[match.group(2)]


def format_value(fmt, substs, option):
    """FMT filled from SUBSTS as Pungi does: %(key)s first, then {key}."""
    try:
        return (fmt % substs).format(**substs)
    except KeyError as exc:
        raise PunjiError("option '%s': %r uses unknown key %s (known: %s)"
                         % (option, fmt, exc, ", ".join(sorted(substs))))
    except (ValueError, TypeError, IndexError) as exc:
        raise PunjiError("option '%s': %r is not a valid format: %s" % (option, fmt, exc))


def volume_id(formats, substs, substitutions=None, restricted=False, option="image_volid_formats"):
    """The first of FORMATS that fits in 32 characters once VOLUME_ID_SUBSTITUTIONS (longest
    first) are applied; with RESTRICTED, non-word characters become '-'. OPTION: where the
    formats come from, for error messages."""
    tried = []
    for fmt in formats:
        volid = format_value(fmt, substs, option)
        for old, new in sorted((substitutions or {}).items(), key=lambda item: len(item[0]), reverse=True):
            volid = volid.replace(old, new)
        if len(volid) <= VOLID_MAX:
            return re.sub(r"\W", "-", volid) if restricted else volid
        tried.append(volid)
    if not tried:
        raise PunjiError("option '%s': no format to make a volume id from" % option)
    raise PunjiError("option '%s': no volume id fits in %d characters: %s "
                     "(shorten the formats or add volume_id_substitutions)"
                     % (option, VOLID_MAX, ", ".join("%r (%d)" % (t, len(t)) for t in sorted(tried, key=len))))


# -- running tools -------------------------------------------------------------------


def run_tool(argv, log_path=None, what=None):
    """Run ARGV (no shell), its output into the log; a failure becomes a PunjiError naming
    the tool, its exit code or signal, the last line of its output and LOG_PATH."""
    log.info("running %s", " ".join(_quote(a) for a in argv))
    try:
        returncode, output = tool_output.run(argv, what=what and "%s on %s" % (argv[0], what))
    except FileNotFoundError:
        raise _not_installed(argv[0])
    return _ran(argv, returncode, output, log_path, what)


def _not_installed(tool):
    return PunjiError("%s is not installed (package %s)" % (tool, PACKAGES.get(tool, tool)))


def _ran(argv, returncode, output, log_path, what):
    """OUTPUT, that of ARGV which ended with RETURNCODE; a PunjiError when it failed."""
    if returncode == 0:
        return output
    lines = tool_output.lines_of(output)
    how = tool_output.how_it_ended(returncode)
    if returncode == -signal.SIGXFSZ:
        lines.append("File too large (the file size limit, ulimit -f)")
    where = "; see %s" % log_path if log_path else ""
    raise PunjiError("%s %s%s: %s%s" % (argv[0], how, " on %s" % what if what else "", _reason(argv[0], lines), where))


DISK_FULL = ("No space left on device", "File too large", "Disk quota exceeded", "exceeds free space on media")


def _reason(tool, lines):
    """The line of a tool's output that says what went wrong: a full disk first, then
    the tool's own last complaint (xorriso's FATAL/FAILURE/SORRY, "genisoimage: ..."),
    else the last line."""
    for line in lines:
        if any(marker in line for marker in DISK_FULL):
            return "no room for the image: %s" % line
    problems = [line for line in lines if (re.search(r": (FATAL|FAILURE|SORRY) : ", line) or
                                          line.startswith(tool + ":")) and "-return_with" not in line]
    return (problems or lines or ["no output"])[-1]


def _quote(arg):
    return arg if re.match(r"^[\w@%+=:,./-]+$", arg) else "'%s'" % arg.replace("'", "'\\''")


# -- writing ---------------------------------------------------------------------------


def boot_options(files, arch, chrp=None):
    """How to make FILES (ISO path -> disk path) bootable on ARCH: {"bios": bool, "efi": bool,
    "plain": the El Torito image of ia64 and s390(x) or None, "chrp": CHRP}, or None when
    the tree has no boot files for ARCH. CHRP (chrp_mode): how a ppc image is to be bootable,
    which takes no file of the tree."""
    bios = arch in BIOS_ARCHES and BIOS_IMAGE in files
    efi = arch in EFI_ARCHES and EFI_IMAGE in files
    plain = PLAIN_BOOT_IMAGES.get(arch) if PLAIN_BOOT_IMAGES.get(arch) in files else None
    chrp = chrp if arch in PPC_ARCHES else None
    return {"bios": bios, "efi": efi, "plain": plain, "chrp": chrp} if (bios or efi or plain or chrp) else None


def chrp_mode(conf, arch):
    """How Pungi makes an image of ARCH bootable when it is to be: None but for ppc arches; "hfs"
    (an ISO 9660/HFS hybrid with lorax's mapping) for ppc and ppc64, and for ppc64le unless
    iso_hfs_ppc64le_compatible is off, else "plain" (a CHRP boot header)."""
    if arch not in PPC_ARCHES:
        return None
    return "hfs" if arch != "ppc64le" or conf.get("iso_hfs_ppc64le_compatible", True) else "plain"


def lorax_ppc_mapping():
    """lorax's ppc filename mapping, which Pungi's HFS hybrid image needs, or None."""
    return next((path for path in LORAX_PPC_MAPPINGS if os.path.isfile(path)), None)


# the files Pungi 4.3.2's genisoimage arguments name for a bootable image, by arch
PUNGI_BOOT_FILES = {"i386": (BIOS_IMAGE,), "i686": (BIOS_IMAGE,), "x86_64": (BIOS_IMAGE, EFI_IMAGE),
                    "aarch64": (EFI_IMAGE,), "ia64": ("images/boot.img",), "s390": ("images/cdboot.img",),
                    "s390x": ("images/cdboot.img",)}


class MissingBootFiles(PunjiError):
    """An image to be bootable lacks what Pungi makes it boot from (require_boot_files)."""


def require_boot_files(what, method, arch, files, chrp=None):
    """A PunjiError naming WHAT (an image to be bootable, buildinstall_method METHOD) when FILES
    (ISO paths) lack a file Pungi's bootable image of ARCH is made from, as when buildinstall was
    skipped: Pungi then fails in genisoimage. CHRP "hfs" (chrp_mode) needs ppc/mac and lorax's mapping."""
    missing = [name for name in PUNGI_BOOT_FILES.get(arch, ()) if name not in files]
    if chrp == "hfs" and lorax_ppc_mapping() is None:
        raise MissingBootFiles("%s is to be bootable (buildinstall_method %r) with Apple/HFS compatibility, which needs "
                         "lorax's config_files/ppc/mapping: it is not installed (install lorax, or set "
                         "iso_hfs_ppc64le_compatible = False for ppc64le; Pungi fails there too)" % (what, method))
    if chrp == "hfs" and not any(name.startswith("ppc/mac/") for name in files):
        missing.append("ppc/mac")
    if missing:
        raise MissingBootFiles("%s is to be bootable (buildinstall_method %r) but its tree has no %s: "
                         "was the buildinstall phase skipped? (Pungi fails there too)"
                         % (what, method, " or ".join(missing)))


def isohybrid_mbr():
    """The hybrid MBR template of the installed isolinux, or a PunjiError naming the package."""
    for path in ISOHYBRID_MBRS:
        if os.path.isfile(path):
            return path
    raise PunjiError("isohdpfx.bin (the hybrid MBR of a bootable ISO) is not installed "
                     "(package isolinux on Debian, syslinux on Fedora)")


def mkisofs_command(tool, output, path_list, volid, boot=None, iso_level=None, arch=None):
    """The genisoimage or xorriso (as mkisofs) argument list writing OUTPUT from the graft
    points in PATH_LIST: Rock Ridge and Joliet names (and genisoimage's TRANS.TBL files, as
    Pungi asks for them), file names read as UTF-8 but for an image of ARCH in
    NO_CHARSET_ARCHES, El Torito entries for BOOT, and with
    xorriso the hybrid MBR and GPT too (genisoimage leaves them to `isohybrid_command`).
    xorriso does not fsync every 16 MiB (-stdio_sync off): make_image syncs once at the end."""
    if tool == "xorriso":
        cmd = ["xorriso", "-stdio_sync", "off", "-as", "mkisofs"]
    else:
        cmd = ["genisoimage", "-quiet"]
    cmd += ["-o", output, "-V", volid, "-untranslated-filenames", "-J", "-joliet-long", "-rational-rock"]
    if arch not in NO_CHARSET_ARCHES:
        cmd += ["-input-charset", "utf-8"]
    cmd.append("-follow-links")
    if tool != "xorriso":
        cmd.append("-translation-table")  # Pungi's TRANS.TBL in every directory
    if iso_level:  # without -allow-limited-size, as Pungi 4.3.2: its UDF tree makes images bigger
        cmd += ["-iso-level", str(iso_level)]
    hybrid = tool == "xorriso"
    if boot and boot["bios"]:
        cmd += ["-b", BIOS_IMAGE, "-c", BOOT_CATALOG, "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table"]
        if hybrid:
            cmd += ["-isohybrid-mbr", isohybrid_mbr()]
    if boot and boot["efi"]:
        if boot["bios"]:
            cmd.append("-eltorito-alt-boot")
        cmd += ["-e", EFI_IMAGE, "-no-emul-boot"]
        if hybrid and boot["bios"]:
            cmd.append("-isohybrid-gpt-basdat")
    if boot and boot.get("plain"):
        cmd += ["-eltorito-boot", boot["plain"], "-no-emul-boot"]
    if boot and boot.get("chrp") == "hfs":
        cmd += ["-part", "-hfs", "-r", "-l", "-sysid", "PPC", "-no-desktop", "-allow-multidot", "-chrp-boot",
                "-map", lorax_ppc_mapping(), "-hfs-bless", "/ppc/mac"]
    elif boot and boot.get("chrp"):
        cmd += ["-r", "-l", "-sysid", "PPC", "-chrp-boot"]
    return cmd + ["-graft-points", "-path-list", path_list]


def isohybrid_command(output, boot):
    """The isohybrid run that gives a genisoimage image with a BIOS entry its hybrid MBR
    (and, with an EFI entry too, the GPT): what Pungi runs after genisoimage."""
    return ["isohybrid"] + (["--uefi"] if boot["efi"] else []) + [output]


def write_path_list(path, files):
    """Write the graft points of FILES ({ISO path: disk path}), one "iso=disk" a line, in
    reverse name order: xorriso's libisofs keeps a directory's entries in a sorted list and
    walks it from the front on every insertion, so names given in descending order go in at
    once (a directory of 20,000 packages takes 0.5 s instead of 13 s of CPU)."""
    with open(path, "w", encoding="utf-8") as f:
        for iso_path in sorted(files, reverse=True):
            f.write("%s=%s\n" % (_escape(iso_path), _escape(files[iso_path])))


def _escape(path):
    return path.replace("\\", "\\\\").replace("=", "\\=")


def make_image(output, files, volid, work_dir, boot=None, iso_level=None, log_path=None, tool="genisoimage",
               runner=None, supported=False, arch=None):
    """Write the ISO OUTPUT holding FILES ({ISO path: disk path}) with volume id VOLID and
    implant its MD5 (marked a supported ISO when SUPPORTED). WORK_DIR holds the path list.
    Both tools write the boot info table into the BIOS boot image file they are given: FILES
    must name a copy of it. ARCH: the image's (see mkisofs_command). RUNNER(commands), when
    given, runs the tools' argument lists elsewhere (a runroot); else they run here, and the
    MD5 is implanted here as implantisomd5 does: an image that is not bootable while the
    writer writes it (on a pipe), else in one read of it. Returns a Written."""
    path_list = os.path.join(work_dir, os.path.basename(output) + ".path-list")
    write_path_list(path_list, files)
    name = os.path.basename(output)
    implant = ["implantisomd5"] + (["--supported-iso"] if supported else []) + [output]
    if runner:
        commands = [mkisofs_command(tool, output, path_list, volid, boot, iso_level, arch)]
        if boot and boot["bios"] and tool != "xorriso":
            commands.append(isohybrid_command(output, boot))
        runner(commands + [implant])
        md5, flushes = None, []
    elif not boot:
        md5 = _write_implanted(mkisofs_command(tool, "-", path_list, volid, None, iso_level, arch), output,
                               supported, log_path, name)
        flushes = []
    else:
        run_tool(mkisofs_command(tool, output, path_list, volid, boot, iso_level, arch), log_path, name)
        flushes = [_flush(output)]  # the bulk of the image goes to disk while the rest runs
        if boot["bios"] and tool != "xorriso":
            run_tool(isohybrid_command(output, boot), log_path, name)
        md5 = _implanted(output, supported)
    os.unlink(path_list)
    flushes.append(_flush(output))  # what isohybrid and the implant changed
    return Written(md5, flushes)


class Written:
    """An image make_image wrote. md5: the MD5 implanted into it, as computed here from the
    bytes written (None when a runroot implanted it); flushed(): waits until it is on disk
    (it is flushed in the background while the caller reads it for its checksums)."""

    def __init__(self, md5, flushes):
        self.md5, self.flushes = md5, flushes

    def flushed(self):
        for wait in self.flushes:
            wait()


def _implanted(path, supported):
    from . import isomd5

    md5 = isomd5.implant(path, supported)
    log.info("implanted md5 %s into %s", md5, os.path.basename(path))
    return md5


def _write_implanted(argv, output, supported, log_path, name):
    """Run the writer ARGV, which writes the image to its standard output, into OUTPUT and
    implant its MD5, computed from the bytes on their way to the file; returns the MD5."""
    import fcntl
    import tempfile

    from . import image_digests, isomd5

    log.info("running %s > %s", " ".join(_quote(a) for a in argv), _quote(output))
    sums = isomd5.Implant(name)
    with open(output, "wb", buffering=0) as out, tempfile.TemporaryFile() as messages:
        try:
            writer = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=messages,
                                      bufsize=0)
        except FileNotFoundError:
            raise _not_installed(argv[0])
        try:
            try:
                fcntl.fcntl(writer.stdout, fcntl.F_SETPIPE_SZ, 1 << 20)  # the writer runs ahead of the md5
            except OSError:
                pass
            image_digests.feed(writer.stdout, [_FileWriter(out, name), sums])
        except OSError as exc:
            writer.kill()
            full = exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
            raise PunjiError("%s on %s: %s: %s%s" % (argv[0], name, "no room for the image" if full else "its output",
                                                    exc.strerror, "; see %s" % log_path if log_path else ""))
        finally:
            writer.stdout.close()
            writer.wait()
        messages.seek(0)
        _ran(argv, writer.returncode, tool_output.logged(messages.read().decode("utf-8", "replace")), log_path, name)
        offset, data = sums.appdata(supported)
        os.pwrite(out.fileno(), data, offset)
    log.info("implanted md5 %s into %s", sums.hexdigest(), name)
    return sums.hexdigest()


class _FileWriter:
    """A consumer of image_digests.feed writing every block to the file F, the image NAME, with a
    progress line now and then when that takes long."""

    def __init__(self, f, name):
        self.f, self.name = f, name
        self.written = 0
        self.throttle = Throttle()

    def update(self, data):
        self.written += len(data)
        if self.throttle.due():
            progress("writing %s: %d MiB so far" % (self.name, self.written >> 20))
        while data:
            data = data[self.f.write(data):]


def _flush(path):
    """fsync PATH in a thread; returns the function that waits for it (raising its error)."""
    import threading

    failed = []

    def run():
        try:
            _fsync(path, os.O_RDONLY)
        except OSError as exc:
            failed.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def wait():
        thread.join()
        if failed:
            raise failed[0]
    return wait


def fsync_dir(path):
    _fsync(path, os.O_RDONLY | os.O_DIRECTORY)


def _fsync(path, flags):
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- reading ---------------------------------------------------------------------------


def implanted_md5(path, log_path=None):
    """The MD5 implantisomd5 put into ISO PATH (checkisomd5 --md5sumonly), or None."""
    out = run_tool(["checkisomd5", "--md5sumonly", path], log_path, os.path.basename(path))
    for line in out.splitlines():
        name, _, value = line.rpartition(":")
        if name.strip() == path and re.match(r"^[0-9a-f]{32}$", value.strip()):
            return value.strip()
    return None


def read_volume_id(path):
    """The volume id in the primary volume descriptor of ISO PATH (sector 16)."""
    with open(path, "rb") as f:
        f.seek(16 * SECTOR)
        pvd = f.read(72)
    if pvd[:6] != b"\x01CD001":
        raise PunjiError("%s: no ISO 9660 primary volume descriptor" % path)
    return pvd[40:72].decode("ascii", "replace").rstrip()


def manifest(path, log_path=None):
    """Every directory and file of ISO PATH by its Rock Ridge path, sorted (what
    `isoinfo -R -f` lists), read with xorriso."""
    return start_manifest(path, log_path)()


def start_manifest(path, log_path=None):
    """manifest() read by xorriso while the caller goes on (the checksums of the image read
    all of it, xorriso only its directories): returns the function that waits for the list."""
    import tempfile

    argv = ["xorriso", "-indev", path, "-find", "/"]
    out, err = tempfile.TemporaryFile(mode="w+", errors="replace"), tempfile.TemporaryFile(mode="w+", errors="replace")
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    except FileNotFoundError:
        out.close()
        err.close()
        raise _not_installed("xorriso")

    def listing():
        with out, err:
            returncode = proc.wait()
            out.seek(0)
            err.seek(0)
            return _manifest_entries(path, log_path, returncode, out.read(), err.read())

    return listing


def _manifest_entries(path, log_path, returncode, stdout, stderr):
    if returncode != 0:
        log.info("%s", stderr.rstrip())
        last = (stderr.strip().splitlines() or ["no output"])[-1]
        raise PunjiError("xorriso returned exit code %d reading %s: %s%s" % (
            returncode, os.path.basename(path), last, "; see %s" % log_path if log_path else ""))
    entries = []
    for line in stdout.splitlines():
        if len(line) >= 2 and line[0] == line[-1] == "'":
            line = line[1:-1].replace("'\"'\"'", "'")
        if line != "/" and not line.endswith("/TRANS.TBL"):
            entries.append(line)
    return sorted(entries)


def images_intact(topdir, images):
    """Whether image records IMAGES (paths relative to compose/) are still on disk as they
    were written: same size and mtime."""
    for image in images:
        try:
            st = os.stat(os.path.join(topdir, "compose", image["path"]))
        except OSError:
            return False
        if (st.st_size, int(st.st_mtime)) != (image["size"], image["mtime"]):
            return False
    return True
