"""Compose IDs as Pungi forms them, and the directory each compose gets."""

import os
import re
import time

from ..errors import PunjiError


def compose_info(config, compose_type="production", label=None, date=None, respin=0):
    """A productmd ComposeInfo with release, base product and compose fields set."""
    from productmd.composeinfo import ComposeInfo

    ci = ComposeInfo()
    ci.release.name = config["release_name"]
    ci.release.short = config["release_short"]
    ci.release.version = config["release_version"]
    ci.release.type = config.get("release_type", "ga")
    ci.release.internal = bool(config.get("release_internal", False))
    if config.get("base_product_name"):
        ci.release.is_layered = True
        ci.base_product.name = config["base_product_name"]
        ci.base_product.short = config["base_product_short"]
        ci.base_product.version = config["base_product_version"]
        ci.base_product.type = config.get("base_product_type", "ga")
    ci.compose.date = date or time.strftime("%Y%m%d")
    ci.compose.type = compose_type
    ci.compose.respin = respin
    ci.compose.label = label
    ci.compose.final = supported(label)
    ci.compose.id = ci.create_compose_id()
    return ci


# productmd's RELEASE_VERSION_RE, which its ComposeInfo checks a release's and a base product's
# version with (here so that no compose start waits for productmd's import)
RELEASE_VERSION_RE = re.compile(r"^([^0-9].*|[0-9]+(\.[0-9]+)*)$")


def check_release(config, where=None):
    """As pungi-koji before it makes a compose directory: productmd's check of the release (and
    base product) version, a PunjiError naming the option (WHERE: a function giving an option's
    place in the config files) when it fails, e.g. a release_version "24.03-LTS"."""
    names = ["release_version"] + (["base_product_version"] if config.get("base_product_name") else [])
    for name in names:
        value = config.get(name)
        if not isinstance(value, str) or not RELEASE_VERSION_RE.match(value):
            raise PunjiError("%soption '%s': %r is not a version productmd takes: numbers joined by dots (24.03) "
                             "or a name starting with a non-digit (Rawhide); pungi-koji refuses it too"
                             % (where(name) + ": " if where else "", name, value))


# productmd's milestones that make a compose "supported" (composeinfo.SUPPORTED_MILESTONES), here
# so that every createiso need not import productmd to ask
SUPPORTED_MILESTONES = ("RC", "Update", "SecurityFix")

# productmd's compose id suffix of each compose type (ComposeInfo.compose.type_suffix)
TYPE_SUFFIXES = {"production": "", "ci": ".ci", "nightly": ".n", "test": ".t", "development": ".d"}


def type_suffix(compose_type):
    return TYPE_SUFFIXES[compose_type]


def label_major_version(label):
    """productmd's major version of a label: Beta-1.2 -> Beta-1; None without a label."""
    return label.rsplit(".", 1)[0] if label else None


def supported(label):
    """Pungi's "supported" flag of a compose with LABEL: a milestone label (RC, Update,
    SecurityFix) sets it. It is composeinfo's final, lorax's --isfinal and implantisomd5's
    --supported-iso."""
    return bool(label) and label.split("-")[0] in SUPPORTED_MILESTONES


def check_label(label):
    """Pungi's label rule: Name-X.Y with a productmd label name, e.g. RC-1.0."""
    from productmd.composeinfo import LABEL_NAMES

    name, _, version = label.partition("-")
    if name not in LABEL_NAMES or not version or not all(p.isdigit() for p in version.split(".")):
        raise PunjiError("label %r is not of the form NAME-X.Y with NAME one of %s" % (label, ", ".join(LABEL_NAMES)))


def compose_id(config, compose_type, date, respin):
    """The compose id productmd's ComposeInfo.create_compose_id forms, worked out without
    importing productmd (the start of every compose would wait for it)."""
    def product(short, version, release_type):
        suffix = "" if not release_type or release_type.lower() == "ga" else "-" + release_type.lower()
        return "%s-%s%s" % (short, version, suffix)

    result = product(config["release_short"], config["release_version"], config.get("release_type", "ga"))
    if config.get("base_product_name"):
        result += "-" + product(config["base_product_short"], config["base_product_version"],
                                config.get("base_product_type", "ga"))
    return "%s-%s%s.%s" % (result, date, type_suffix(compose_type), respin)


def claim(compose_dir, config, compose_type, date=None):
    """COMPOSE_DIR itself as the compose's directory (pungi-koji's --compose-dir), made when it
    does not exist; one that holds anything is refused. Returns the compose's {"id", "date",
    "respin"} (respin 0, as Pungi names a compose there) and the directory."""
    os.makedirs(compose_dir, exist_ok=True)
    if os.listdir(compose_dir):
        raise PunjiError("--compose-dir %s holds files but no compose: give a new or empty directory" % compose_dir)
    date = date or time.strftime("%Y%m%d")
    return {"id": compose_id(config, compose_type, date, 0), "date": date, "respin": 0}, compose_dir


def allocate(target_dir, config, compose_type, date=None):
    """Create TARGET_DIR/<COMPOSE_ID> with the first free respin; mkdir is the atomic claim,
    so two composes started at the same moment get distinct ids. Returns the compose's
    {"id", "date", "respin"} and its directory."""
    os.makedirs(target_dir, exist_ok=True)
    date, respin = date or time.strftime("%Y%m%d"), 0
    while True:
        topdir = os.path.join(target_dir, compose_id(config, compose_type, date, respin))
        try:
            os.mkdir(topdir)
        except FileExistsError:
            respin += 1
            continue
        return {"id": os.path.basename(topdir), "date": date, "respin": respin}, topdir
