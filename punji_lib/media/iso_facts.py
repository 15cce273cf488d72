"""What an ISO 9660 image says of itself, read from its volume descriptors, El Torito boot
catalog and system area: a few sectors, whatever the number of files on the image."""

SECTOR = 2048
EL_TORITO = b"EL TORITO SPECIFICATION"


class NotAnIso(Exception):
    """The file is not a readable ISO 9660 image; the message says why."""


def iso_facts(path):
    """{volume_id, volume_size (bytes), boot_catalog, efi, mbr} of the ISO at PATH, or {error}."""
    try:
        with open(path, "rb") as f:
            pvd, boot = _descriptors(f)
            platforms = _platforms(f, boot) if boot is not None else []
            f.seek(0)
            mbr = has_hybrid_mbr(f.read(512))
    except NotAnIso as exc:
        return {"error": str(exc)}
    return {
        "volume_id": pvd[40:72].decode("ascii", "replace").rstrip(" \0"),
        "volume_size": int.from_bytes(pvd[80:84], "little") * int.from_bytes(pvd[128:130], "little"),
        "boot_catalog": boot is not None,
        "efi": 0xEF in platforms,
        "mbr": mbr,
    }


def _descriptors(f):
    """The primary volume descriptor and the El Torito boot record (or None) of the volume
    descriptor set, which starts at sector 16 and ends with a terminator (type 255)."""
    pvd = boot = None
    for sector in range(16, 16 + 64):
        f.seek(sector * SECTOR)
        vd = f.read(SECTOR)
        if len(vd) < SECTOR or vd[1:6] != b"CD001":
            raise NotAnIso("no ISO 9660 volume descriptor at sector %d" % sector)
        if vd[0] == 255:
            break
        if vd[0] == 1 and pvd is None:
            pvd = vd
        elif vd[0] == 0 and vd[7:7 + len(EL_TORITO)] == EL_TORITO:
            boot = vd
    else:
        raise NotAnIso("no volume descriptor set terminator")
    if pvd is None:
        raise NotAnIso("no primary volume descriptor")
    if int.from_bytes(pvd[128:130], "little") not in (512, 1024, 2048):
        raise NotAnIso("logical block size %d" % int.from_bytes(pvd[128:130], "little"))
    return pvd, boot


def _platforms(f, boot):
    """The platform ids of the boot catalog the El Torito boot record BOOT points at: the
    validation entry's and every section header's."""
    f.seek(int.from_bytes(boot[71:75], "little") * SECTOR)
    catalog = f.read(SECTOR)
    if len(catalog) < 64 or catalog[0] != 1 or catalog[30:32] != b"\x55\xaa":
        raise NotAnIso("El Torito boot catalog without a valid validation entry")
    platforms, at = [catalog[1]], 64
    while at + 32 <= len(catalog) and catalog[at] in (0x90, 0x91):
        platforms.append(catalog[at + 1])
        last = catalog[at] == 0x91
        at += 32 * (1 + int.from_bytes(catalog[at + 2:at + 4], "little"))
        while at + 32 <= len(catalog) and catalog[at] == 0x44:  # extension entries
            at += 32
        if last:
            break
    return platforms


def has_hybrid_mbr(sector):
    """An MBR in the first 512 bytes SECTOR: the 0x55AA signature and at least one partition
    entry with sectors."""
    if len(sector) < 512 or sector[510:512] != b"\x55\xaa":
        return False
    entries = [sector[446 + 16 * n:462 + 16 * n] for n in range(4)]
    return any(int.from_bytes(e[12:16], "little") for e in entries)
