"""Names and volume ids of a compose's images, as Pungi forms them.

image_name_format, image_volid_formats (image_volid_layered_product_formats for
layered products), volume_id_substitutions and restricted_volid, filled with
the keys of the compose (compose id, release, date, type, respin, label) and
of the tree (variant, arch, disc type and number).
"""

from ..compose import composeid, jsonio, layout, request
from ..config import lookup
from ..errors import PunjiError
from . import iso


def substitutions(conf, topdir):
    """The format keys every image name and volume id can use (Pungi's get_format_substs)."""
    req = request.read(topdir)
    return {"compose_id": req["compose_id"], "release_short": conf["release_short"],
            "version": conf["release_version"], "date": req["date"], "respin": req["respin"],
            "type": req["compose_type"], "type_suffix": composeid.type_suffix(req["compose_type"]),
            "label": req["label"], "label_major_version": composeid.label_major_version(req["label"])}


def disc_type(conf):
    return (conf.get("disc_types") or {}).get("dvd", "dvd")


def image_name(conf, substs, v, arch, disc_num, kind=None):
    """PDL-1-20261125.t.0-Server-x86_64-dvd1.iso (image_name_format; 'source' for arch src;
    a layered product is named after its parent); KIND: the disc type, if not the DVD's."""
    fmt = lookup.image_name_format(conf, v["uid"])
    if v["type"] == "layered-product":  # Pungi names it with the layered product's own compose id
        release = v.get("release") or {}
        substs = dict(substs, compose_id="%s-%s-%s-%s-%s%s.%s" % (
            release.get("short"), release.get("version"), conf["release_short"],
            conf["release_version"].split(".")[0], substs["date"], substs["type_suffix"], substs["respin"]))
    values = dict(substs, variant=v["parent"] if v["type"] == "layered-product" else v["uid"],
                  arch="source" if arch == "src" else arch, disc_type=kind or disc_type(conf),
                  disc_num="" if disc_num is None else disc_num,
                  suffix=".iso")
    name = iso.format_value(fmt, values, "image_name_format")
    if not name or "/" in name or name.startswith("."):
        raise PunjiError("option 'image_name_format': %r gives %r, not a file name" % (fmt, name))
    return name


def volume_id(conf, substs, v, arch):
    """The volume id of V's images on ARCH (image_volid_formats; layered products and
    releases on a base product try image_volid_layered_product_formats first)."""
    values = dict(substs, variant=v["uid"], arch=arch, disc_type=disc_type(conf),
                  base_product_short=conf.get("base_product_short") or "",
                  base_product_version=conf.get("base_product_version") or "")
    layered = bool(conf.get("base_product_name"))
    if v["type"] == "layered-product":
        release = v.get("release") or {}
        layered = True
        values.update(variant=v["parent"], release_short=release.get("short") or conf["release_short"],
                      version=release.get("version") or conf["release_version"],
                      base_product_short=conf["release_short"],
                      base_product_version=conf["release_version"].split(".")[0])
    formats = list(conf.get("image_volid_formats") or [])
    if layered:
        formats = list(conf.get("image_volid_layered_product_formats") or []) + formats
    return iso.volume_id(formats, values, conf.get("volume_id_substitutions"), conf.get("restricted_volid"))


def boot_volume_id(topdir, v, arch):
    """The volume id lorax gives V's installer images on ARCH: createiso's, the disc type
    disc_types["dvd"] as for the DVD (Pungi 4.3.2's buildinstall takes that one, so that the
    boot configuration finds the DVD made of the tree; "boot" names only boot.iso's file)."""
    ci_conf = jsonio.read_json(layout.at(topdir, layout.config_slice("createiso")))
    return volume_id(ci_conf, substitutions(ci_conf, topdir), v, arch)
