"""The compose's Makefile, generated from the fragments in mk/.

Each fragment is plain make. Its `# scope:` line says how often it is repeated:
`once`, `global`, `arch` (every arch of the compose), `variant-arch` (every
tree) or `variant-src` (every variant, with the arch `src`: its source tree).
A `# needs: <option>` line leaves the fragment out when that option is empty.
Placeholders: @STATE@ (the phase's state file for that scope, from
layout.state_file), @LOG@, @VARIANT@, @ARCH@, @BUILDS_ON@ (the same phase's
state files of the variants this one builds on: an addon's parent...),
@LOOKASIDE_VARIANTS@ (the same phase's state files, every arch, of the variants
variant_as_lookaside names for this one), @REPO_FILES@ (the repomd.xml files of the arch's
local pkgset_repos), @NAMESAKES@ (createiso's state files of the later trees whose images
may share names with this one's), @TREE_BEFORE@ (the same phase's state files of the
variants writing into an addon's tree before it), and in
the head @PUNJI_BIN@, @CONFIG_FILES@, @INPUT_FILES@. The phase of a fragment is
its `# phase:` line, else its file name without the number: 10-init.mk is the
init phase. For every phase the Makefile also has a phony target of that name
and a variable <PHASE>_STATES listing its targets (defined before any rule, so
`$(filter T,$(PHASE_STATES))` depends on T only when the graph has it);
ALL_STATES lists every state file.
"""

import glob
import os
import re
import sys

from ..config import variants
from ..errors import PunjiError
from . import jsonio, layout, state

SCOPE_RE = re.compile(r"^# scope: (once|global|arch|variant-arch|variant-src)\s*$", re.M)
NEEDS_RE = re.compile(r"^# needs: ([a-z_]+)\s*$", re.M)
# phases skip_phases leaves in: Pungi 4.3.2 runs init and image_checksum whatever it says (the
# images of images.json need their checksums)
NEVER_SKIPPED = {"init", "imagechecksum", "finish"}
# fragments kept when their phase is skipped: createiso's last step lists the extra ISOs and
# the Koji image phases' images for imagechecksum too
KEPT_WHEN_SKIPPED = {("createiso", "global")}
# punji's own steps, left out with the phase they serve
SKIPPED_WITH = {"prelink": "gather"}
PHASE_RE = re.compile(r"^# phase: ([a-z]+)\s*$", re.M)


def fragments_dir():
    """mk/ beside the punji_lib package (or $PUNJI_MK_DIR)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.environ.get("PUNJI_MK_DIR") or os.path.join(os.path.dirname(package), "mk")


def fragments():
    """[(phase, scope, needed option or None, text)] in file-name order."""
    result = []
    for path in sorted(glob.glob(os.path.join(fragments_dir(), "*.mk"))):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        match = SCOPE_RE.search(text)
        if not match:
            raise PunjiError("%s: fragment has no '# scope:' line" % path)
        named = PHASE_RE.search(text)
        phase = named.group(1) if named else re.sub(r"^\d+-", "", os.path.basename(path)[:-3])
        needs = NEEDS_RE.search(text)
        result.append((phase, match.group(1), needs.group(1) if needs else None, text))
    return result


def scopes(scope, tree):
    """The (variant, arch) pairs a fragment of SCOPE is repeated for."""
    if scope in ("once", "global"):
        return [(None, None)]
    if scope == "arch":
        return [(None, a) for a in variants.all_arches(tree)]
    if scope == "variant-src":
        return [(v["uid"], "src") for v in tree]
    return [(v["uid"], a) for v in tree for a in v["arches"]]


def _quote(paths):
    """PATHS as make prerequisites: make splits on blanks and reads $, # and : itself."""
    return " ".join(re.sub(r"([ :#\\])", r"\\\1", p).replace("$", "$$") for p in paths)


def render(topdir):
    """The text of the compose's Makefile and the list of its targets."""
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    files = jsonio.read_json(layout.at(topdir, layout.config_files_json()))
    head_values = {
        "@PUNJI_BIN@": bin_dir(),
        "@CONFIG_FILES@": _quote(files["config"]),
        "@INPUT_FILES@": _quote(files["inputs"]),
    }
    conf = jsonio.read_json(layout.at(topdir, layout.config_json()))
    skipped = {punji_phase(name) for name in conf.get("skip_phases") or []} - NEVER_SKIPPED
    skipped |= {step for step, phase in SKIPPED_WITH.items() if phase in skipped}
    parts, targets = [], []
    for phase, scope, needs, text in fragments():
        if (phase in skipped and (phase, scope) not in KEPT_WHEN_SKIPPED) or (needs and not conf.get(needs)):
            continue
        pairs = _with_work(phase, scope, conf, tree, scopes(scope, tree))
        for variant, arch in pairs:
            values = dict(head_values)
            if scope != "once":
                target = layout.state_file(phase, variant, arch)
                targets.append({"phase": phase, "variant": variant, "arch": arch, "target": target,
                                "log": layout.log_file(phase, variant, arch)})
                values.update({"@STATE@": target, "@LOG@": layout.log_file(phase, variant, arch),
                               "@VARIANT@": variant or "", "@ARCH@": arch or "",
                               "@BUILDS_ON@": _builds_on(phase, tree, variant, arch),
                               "@LOOKASIDE_VARIANTS@": _lookaside_variants(phase, conf, tree, variant),
                               "@TREE_BEFORE@": _tree_before(phase, tree, variant, arch, pairs),
                               "@NAMESAKES@": _namesakes(phase, conf, tree, variant, arch),
                               "@REPO_FILES@": _repo_files(conf, arch)})
            parts.append(_substitute(text, values))
    return _assemble(parts, targets), targets


def _with_work(phase, scope, conf, tree, pairs):
    """The (variant, arch) PAIRS of PHASE that can have work. A tree that gets no ISO whatever
    it holds (an addon, an empty variant, createiso_skip) has no createiso target (an optional
    variant's has one, Pungi making its volume id whatever create_optional_isos says),
    a Koji package set with no compose arch is read for the source RPMs alone (arch src),
    one whose images no extra_isos block asks for no extraiso target, an is_empty variant no
    createrepo target (but for its product certificate), a tree repoclosure does not check no
    repoclosure target: processes that would do nothing. The commands run on them by hand still record that. When no tree
    of an extraiso, createrepo or repoclosure fragment has work, its first target is kept,
    so that the phase starts and stops as Pungi's does."""
    from ..config import lookup

    if phase == "pkgset" and not pairs and conf.get("pkgset_source") == "koji":
        # Pungi 4.3.2 reads the source RPMs of its Koji package set even when tree_arches or
        # tree_variants leave no tree: one no key of sigkeys signed still fails the compose
        return [(None, "src")]
    by_uid = variants.by_uid(tree)
    if phase == "createiso" and scope.startswith("variant"):
        return [(uid, arch) for uid, arch in pairs if not lookup.createiso_passed_reason(conf, by_uid[uid], arch)]
    if phase == "createrepo":
        # with product_id, an empty variant's certificate is looked up all the same, as in Pungi
        return [(uid, arch) for uid, arch in pairs
                if not by_uid[uid].get("is_empty") or (conf.get("product_id") and arch != "src")] or pairs[:1]
    if phase == "extrafiles" and scope == "variant-src":
        # only the source trees some entry keyed "src" fills (Pungi copies none for "*")
        return [(uid, arch) for uid, arch in pairs
                if not by_uid[uid].get("is_empty") and lookup.va_data(conf.get("extra_files"), uid, arch)]
    if phase == "repoclosure":
        return [(uid, arch) for uid, arch in pairs
                if not lookup.repoclosure_skip_reason(conf, by_uid[uid], arch)] or pairs[:1]
    if phase != "extraiso":
        return pairs

    def has_work(uid, arch):
        return bool(lookup.extra_iso_blocks(conf, by_uid[uid], arch)[0])

    found = [(uid, arch) for uid, arch in pairs if has_work(uid, arch)]
    if found or scope != "variant-arch" or any(has_work(v["uid"], a) for v in tree for a in v["arches"] + ["src"]):
        return found
    return pairs[:1]


def punji_phase(name):
    """The punji phase of a Pungi phase name in skip_phases: extra_files -> extrafiles."""
    return {"extra_isos": "extraiso"}.get(name, name.replace("_", ""))


def _builds_on(phase, tree, variant, arch):
    """The state files of PHASE for the variants VARIANT's run reads (variants.builds_on)."""
    if not variant:
        return ""
    uids = variants.builds_on(variants.by_uid(tree)[variant], tree, arch)
    return " ".join(layout.state_file(phase, uid, arch) for uid in uids)


def _tree_before(phase, tree, variant, arch, pairs):
    """The state files of PHASE that write into VARIANT's tree on ARCH before it: an addon's
    parent and the parent's addons of lower uid (Pungi's order: variants, then addons by uid),
    those PAIRS (the fragment's (variant, arch) targets) hold: a source tree's extra files have
    a target only where some entry names them (fuzz-compose --variants --multiarch --outputs
    --comps seed 61037)."""
    v = variants.by_uid(tree).get(variant) if variant else None
    if not v or v["type"] != "addon":
        return ""
    uids = [v["parent"]] + sorted(o["uid"] for o in tree if o["type"] == "addon" and o["parent"] == v["parent"]
                                  and o["uid"] < v["uid"] and (arch == "src" or arch in o["arches"]))
    return " ".join(layout.state_file(phase, uid, arch) for uid in uids if (uid, arch) in pairs)


def _namesakes(phase, conf, tree, variant, arch):
    """The state files of PHASE for the trees on ARCH after VARIANT's in Pungi's order whose
    images may get the names of VARIANT's: Pungi gives all images of a name the content of the
    last tree prepared (phases/createiso._namesakes), so VARIANT's images wait for those trees."""
    from ..config import lookup

    v = variants.by_uid(tree).get(variant) if variant else None
    if not v or phase != "createiso":
        return ""
    later = [o for o in tree if lookup.pungi_variant_order(o) > lookup.pungi_variant_order(v)
             and (arch == "src" or arch in o["arches"]) and not lookup.createiso_skip_reason(conf, o, arch)
             and lookup.images_may_share_names(conf, v, o)]
    return " ".join(layout.state_file(phase, o["uid"], arch) for o in later)


def _lookaside_variants(phase, conf, tree, variant):
    """The state files of PHASE for every arch of the variants variant_as_lookaside names for VARIANT."""
    from ..config.lookup import lookaside_variants

    if not variant:
        return ""
    by_uid = variants.by_uid(tree)
    return " ".join(layout.state_file(phase, uid, a) for uid in lookaside_variants(conf, variant)
                    if uid in by_uid for a in by_uid[uid]["arches"])


def _repo_files(conf, arch):
    """The repomd.xml of every local repo of pkgset_repos for ARCH, as a $(wildcard): a repo
    that changes makes the package set out of date (remote ones are read on every run)."""
    from ..config.repo_refs import is_remote, local_path, repos_for

    if not arch or conf.get("pkgset_source") != "repos":
        return ""
    files = [os.path.join(local_path(r), "repodata", "repomd.xml")
             for r in repos_for(conf.get("pkgset_repos") or {}, arch) if not is_remote(r)]
    return "$(wildcard %s)" % _quote(files) if files else ""


def bin_dir():
    """Where this punji's commands are: beside the Python running it (a venv's bin/)."""
    return os.path.dirname(os.path.abspath(sys.executable))


def _substitute(text, values):
    for key, value in values.items():
        text = text.replace(key, value)
    leftover = re.search(r"@[A-Z_]+@", text)
    if leftover:
        raise PunjiError("mk fragment uses unknown placeholder %s" % leftover.group(0))
    return text


def _assemble(parts, targets):
    lines = ["# Generated by punji-makefile: regenerate with `punji-makefile .`, do not edit.",
             "# Site hooks go in local.mk, included at the end.", ""]
    phases = list(dict.fromkeys(t["phase"] for t in targets))
    for phase in phases:
        lines.append("%s_STATES := %s" % (phase.upper(), " ".join(t["target"] for t in targets if t["phase"] == phase)))
    lines.append("ALL_STATES := %s" % " ".join("$(%s_STATES)" % p.upper() for p in phases))
    lines.append(".PHONY: %s" % " ".join(phases))
    lines += ["%s: $(%s_STATES)" % (p, p.upper()) for p in phases]
    lines.append("")
    body = "\n".join(part.rstrip("\n") + "\n" for part in parts)
    return "\n".join(lines) + "\n" + body + "\n-include $(wildcard local.mk)\n"


def write(topdir):
    """Write <topdir>/Makefile and work/global/targets.json (always: make restarts on it), which
    records the Makefile's sha256 (a later compose copies the two only while they are whole)."""
    import hashlib

    text, targets = render(topdir)
    _refuse_dropped_targets(topdir, targets)
    jsonio.write_json(layout.at(topdir, layout.targets_json()),
                      {"header": state.header("targets"), "targets": targets,
                       "makefile_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()})
    jsonio.write_text(layout.at(topdir, layout.makefile()), text)


def _refuse_dropped_targets(topdir, targets):
    """A config changed in a compose so that targets it made are no more (a variant made
    is_empty or removed, an arch or a phase's option dropped): no Makefile runs them again, and
    their outputs would stay in the compose and its metadata, which a fresh compose of the
    changed config does not have. Nothing here knows every output of a target to remove, so
    the regenerated Makefile is refused, the compose left as it is."""
    path = layout.at(topdir, layout.targets_json())
    if not os.path.exists(path):
        return
    kept = {t["target"] for t in targets}
    dropped = [t for t in jsonio.read_json(path).get("targets", [])
               if t["target"] not in kept and os.path.exists(layout.at(topdir, t["target"]))]
    if dropped:
        names = ["%s %s" % (t["phase"], ".".join(filter(None, (t.get("variant"), t.get("arch")))) or "global")
                 for t in dropped]
        shown = ", ".join(names[:4]) + (" and %d more" % (len(names) - 4) if len(names) > 4 else "")
        raise PunjiError("the changed config (or variants file) no longer makes %s, which this compose made: "
                         "their outputs would stay; put the config back, or start a new compose of it "
                         "(punji-compose CONFIG, --nightly takes over what is unchanged)" % shown)
