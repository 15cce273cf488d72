"""The module streams tools/fuzz-compose-koji --modules draws: module builds on the Koji test hub
and the options and variant <modules> entries that compose them.

Module builds are made of the modular test RPMs (build/modular-repo: modnode 18 and 20, modweb 1
and 2) and of demo builds whose newer releases (pools r2, r3) give newer versions of a stream;
each build has 1-3 versions (numeric versions of different lengths), some with two contexts, a
modulemd.<arch>.txt for x86_64 and mostly i686 (their RPM artifacts, some left out; i686 ones in
the x86_64 document sometimes), mostly tagged into fz-modules or its child fz-modules-child,
sometimes deleted, finished after the compose's event or with modulemd.txt alone.

Everything comes from an RNG of its own (seeded from the case's seed), so a seed's other inputs
stay the same with --modules as without.
"""

import os
import subprocess
import xml.etree.ElementTree as ET

MODULE_TAGS = ("fz-modules", "fz-modules-child")
MODULAR_REPO = "modular"
# (module name, stream, the NVR prefixes of its content builds, the pools their releases come from)
STREAMS = (
    ("modnode", "18", ["modnode-18."], ("modular",)),
    ("modnode", "20", ["modnode-20."], ("modular",)),
    ("modweb", "1", ["modweb-1."], ("modular",)),
    ("modweb", "2", ["modweb-2."], ("modular",)),
    ("demo-httpd", "2.4", ["demo-httpd-2."], ("demo", "r2", "r3")),
    ("demo-httpd", "rolling-1", ["demo-httpd-2."], ("r2", "r3")),
    ("dbstack", "15", ["demo-db-1", "demo-webapp-0."], ("demo", "r2")),
    ("webapp", "0.9", ["demo-webapp-0."], ("demo", "r2", "r3")),
)
VERSIONS = (820240101000000, 820240301000000, 9020240101, 10020240101, 920240501000000)
CONTEXTS = ("c0ffee01", "deadbeef", "9edba152", "abcd0000")
MODULE_ARCHES = {"x86_64": ("x86_64", "noarch", "src"), "i686": ("i686", "noarch", "src")}


class Rpms:
    """The RPM files of the pools by build: {pool: {nvr: [(nevra, arch)]}}."""

    def __init__(self, pools):
        self.by_pool = {pool: _read_pool(directory) for pool, directory in pools.items()}

    def build(self, pool, prefix):
        """(nvr, [(nevra, arch)]) of the first build of POOL whose NVR starts with PREFIX, or None."""
        builds = self.by_pool.get(pool, {})
        return next(((nvr, builds[nvr]) for nvr in sorted(builds) if nvr.startswith(prefix)), None)


def _read_pool(directory):
    paths = sorted(os.path.join(directory, f) for f in os.listdir(directory) if f.endswith(".rpm"))
    lines = subprocess.run(["rpm", "-qp", "--nosignature", "--qf", "%{NAME}|%{EPOCHNUM}|%{VERSION}|%{RELEASE}|"
                            "%{SOURCERPM}\\n"] + paths, capture_output=True, text=True, check=True).stdout
    builds = {}
    for path, line in zip(paths, lines.splitlines()):
        name, epoch, version, release, source = line.split("|")
        arch = path[:-len(".rpm")].rsplit(".", 1)[1]
        nvr = source[:-len(".src.rpm")] if arch != "src" else "%s-%s-%s" % (name, version, release)
        nevra = "%s-%s:%s-%s.%s" % (name, epoch, version, release, arch)
        builds.setdefault(nvr, []).append((nevra, arch))
    return builds


class ModuleBuild:
    def __init__(self, name, stream, version, context):
        self.name, self.stream, self.version, self.context = name, stream, version, context
        self.content = []  # RPM build NVRs tagged into its content tag
        self.artifacts = []  # (nevra, arch)
        self.arches = []  # its modulemd.<arch>.txt archives
        self.tags, self.state, self.future, self.old = [], 1, False, False
        self.multilib = False

    @property
    def nsvc(self):
        return "%s:%s:%s:%s" % (self.name, self.stream, self.version, self.context)

    @property
    def key(self):
        return "%s-%s-%s-%s" % (self.name, self.stream, self.version, self.context)


def gen_builds(rng, rpms):
    """The module builds of a case: 2-5 streams, 1-3 versions each, some with two contexts."""
    builds = []
    for name, stream, contents, pool_names in rng.sample(STREAMS, rng.randint(2, 5)):
        versions = sorted(rng.sample(VERSIONS, rng.choice((1, 1, 2, 3))))
        for i, version in enumerate(versions):
            pool = pool_names[min(i, len(pool_names) - 1)] if rng.random() < 0.8 else rng.choice(pool_names)
            for context in rng.sample(CONTEXTS, 2 if rng.random() < 0.2 else 1):
                builds.append(_gen_build(rng, rpms, ModuleBuild(name, stream, version, context), contents, pool))
    return builds


def _gen_build(rng, rpms, build, contents, pool):
    for content in contents:
        found = rpms.build(pool, content)
        if found:
            build.content.append(found[0])
            build.artifacts += [a for a in found[1] if a[1] == "src" or rng.random() < 0.85]
    build.arches = ["x86_64", "i686"] if rng.random() < 0.96 else ["x86_64"]
    build.multilib = rng.random() < 0.3
    roll = rng.random()
    build.tags = [] if roll < 0.12 else [MODULE_TAGS[1]] if roll < 0.3 else [MODULE_TAGS[0]]
    if rng.random() < 0.05:
        build.state = 2
    elif rng.random() < 0.05:
        build.future = True
    elif rng.random() < 0.03:
        build.old = True
    return build


def modulemd(build, arch=None):
    """The modulemd document of BUILD (for ARCH: its artifacts of that arch)."""
    if arch is None:
        arches = {a for allowed in MODULE_ARCHES.values() for a in allowed}
    else:
        arches = set(MODULE_ARCHES[arch]) | ({"i686"} if arch == "x86_64" and build.multilib else set())
    artifacts = sorted(nevra for nevra, a in build.artifacts if a in arches)
    names = sorted({n.rsplit("-", 2)[0] for n, a in build.artifacts if a != "src" and "-debug" not in n})
    lines = ["---", "document: modulemd", "version: 2", "data:", "  name: %s" % build.name,
             "  stream: \"%s\"" % build.stream, "  version: %d" % build.version, "  context: %s" % build.context]
    if arch:
        lines.append("  arch: %s" % arch)
    lines += ["  summary: Fuzz module %s" % build.name, "  description: >-", "    Fuzz module %s." % build.nsvc,
              "  license:", "    module:", "    - MIT"]
    if names:
        lines += ["  profiles:", "    common:", "      rpms:"] + ["      - %s" % n for n in names[:2]]
        lines += ["  api:", "    rpms:"] + ["    - %s" % n for n in names]
    if artifacts:
        lines += ["  artifacts:", "    rpms:"] + ["    - %s" % n for n in artifacts]
    return "\n".join(lines + ["...", ""])


def fixture_steps(rng, builds, case_dir, modular_packages):
    """The hub steps: the modular RPMs imported and signed, each module build made and tagged."""
    steps = [{"import": modular_packages}]
    for signer, chance in (("a", 0.95), ("b", 0.6)):
        if rng.random() < chance:
            steps.append({"sign": signer, "builds": ["mod*"]})
    for build in builds:
        directory = os.path.join("modules", build.key)
        os.makedirs(os.path.join(case_dir, directory), exist_ok=True)
        files = {"modulemd.txt": modulemd(build)}
        if not build.old:
            files.update({"modulemd.%s.txt" % a: modulemd(build, a) for a in build.arches})
        paths = {}
        for filename, text in files.items():
            with open(os.path.join(case_dir, directory, filename), "w") as f:
                f.write(text)
            paths[filename] = os.path.join(directory, filename)
        step = {"module": {"name": build.name, "stream": build.stream, "version": build.version,
                           "context": build.context}, "files": paths, "content": build.content, "tags": build.tags}
        if build.state != 1:
            step["state"] = build.state
        if build.future:
            step["future"] = True
        steps.append(step)
    return steps


# --- the config ----------------------------------------------------------------------------------


def module_entries(rng, builds, tag_mode):
    """1-3 <module> entries of a variant: N:S mostly, a glob, N:S:V, N:S:V:C; rarely one matching
    nothing (Koji's search fails on it; in tags it is a warning), "*" in tags."""
    entries = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        build = rng.choice(builds)
        roll = rng.random()
        if roll < 0.5:
            entry = "%s:%s" % (build.name, build.stream)
        elif roll < 0.64:
            entry = "%s:%s:%d" % (build.name, build.stream, build.version)
        elif roll < 0.76:
            entry = build.nsvc
        elif roll < 0.9:
            entry = rng.choice(("%s:*" % build.name, "%s*:%s*" % (build.name[:3], build.stream[:1]),
                                "%s*:%s" % (build.name[:4], build.stream)))
        elif roll < 0.95 and tag_mode:
            entry = "*"
        elif rng.random() < (0.5 if tag_mode else 0.15):
            entry = rng.choice(("%s:%s:1" % (build.name, build.stream), "nomodule:%s" % build.stream))
        else:
            entry = "%s:%s" % (build.name, build.stream)
        if entry not in entries:
            entries.append(entry)
    return entries


def add_variant_modules(rng, root, builds, tag_mode):
    """<modules> (entries, sometimes a <kojitag>) in some variants of the variants document ROOT."""
    for element in root.iter("variant"):
        if element.get("type") == "optional" or rng.random() < 0.25:
            continue
        modules = element.find("modules")
        if modules is None:
            modules = ET.SubElement(element, "modules")
        for entry in module_entries(rng, builds, tag_mode):
            ET.SubElement(modules, "module").text = entry
        if rng.random() < 0.12:
            ET.SubElement(modules, "kojitag").text = rng.choice(MODULE_TAGS)


def variant_arches(root):
    """{variant id: [arches]} of the variants document ROOT."""
    return {v.get("id"): [a.text for a in v.iter("arch")] for v in root.iter("variant")}


def draw_module_tag(rng):
    """A pkgset_koji_module_tag value, or None."""
    if rng.random() < 0.65:
        return rng.choice((MODULE_TAGS[0], MODULE_TAGS[0], MODULE_TAGS[1], list(MODULE_TAGS), [MODULE_TAGS[1]]))
    return None


def gen_options(rng, builds, root, case_dir, gather_method, module_tag):
    """The module options as [(name, value)], module_defaults_dir's files written into CASE_DIR."""
    conf = [("pkgset_koji_module_tag", module_tag)] if module_tag else []
    ids = [v.get("id") for v in root.iter("variant") if v.get("type") != "optional"]
    if rng.random() < 0.2:
        chosen = rng.choice([b for b in builds if not b.old] or builds)
        conf.append(("pkgset_koji_module_builds", {"^%s$" % rng.choice(ids): [chosen.nsvc]}))
    if rng.random() < 0.3:
        conf.append(("pkgset_koji_inherit_modules", rng.random() < 0.6))
    if rng.random() < 0.7:
        defaults = os.path.join(case_dir, "module_defaults")
        write_defaults(rng, builds, defaults)
        # every module drawn without defaults: an empty directory fails both tools alike (seed 6820)
        if os.listdir(defaults):
            conf.append(("module_defaults_dir", {"scm": "file", "dir": "module_defaults"}))
        else:
            os.rmdir(defaults)
    if rng.random() < 0.25:
        conf.append(("filter_modules", gen_filters(rng, builds, root)))
    conf.append(("gather_method", module_gather_method(rng, gather_method, ids)))
    return conf


def gen_override_dir(rng, builds, case_dir):
    """module_defaults_override_dir as [(name, value)] (--modules --realconf, an RNG of its own):
    an absolute directory (a relative one is read against each tool's working directory) of
    defaults documents for some modules, drawn as module_defaults_dir's are (other default
    streams, profiles), with or without module_defaults_dir; now and then one that is not there."""
    if rng.random() < 0.08:
        return [("module_defaults_override_dir", os.path.join(case_dir, "no-overrides"))]
    directory = os.path.join(case_dir, "module_overrides")
    write_defaults(rng, builds, directory)
    if rng.random() < 0.15:  # a file libmodulemd reads no defaults from: not a .yaml
        with open(os.path.join(directory, "ignored.yml"), "w") as f:
            f.write("---\ndocument: modulemd-defaults\nversion: 1\ndata:\n  module: modnode\n  stream: \"99\"\n...\n")
    return [("module_defaults_override_dir", directory)]


def write_defaults(rng, builds, directory):
    """A modulemd-defaults file for most modules: a default stream (rarely one no build has) and
    profiles of some streams."""
    os.makedirs(directory, exist_ok=True)
    streams = {}
    for build in builds:
        streams.setdefault(build.name, [])
        if build.stream not in streams[build.name]:
            streams[build.name].append(build.stream)
    for name, names in sorted(streams.items()):
        if rng.random() < 0.2:
            continue
        default = rng.choice(names) if rng.random() < 0.9 else "99"
        lines = ["---", "document: modulemd-defaults", "version: 1", "data:", "  module: %s" % name]
        if rng.random() < 0.85:
            lines.append("  stream: \"%s\"" % default)
        profiles = [s for s in names if rng.random() < 0.6]
        if profiles:
            lines.append("  profiles:")
            lines += ["    \"%s\": [%s]" % (s, rng.choice(("common", "", "common, missing"))) for s in profiles]
        with open(os.path.join(directory, "%s.yaml" % name), "w") as f:
            f.write("\n".join(lines + ["...", ""]))


def gen_filters(rng, builds, root):
    arches = variant_arches(root)
    filters = []
    for vid in rng.sample(sorted(arches), rng.randint(1, min(2, len(arches)))):
        build = rng.choice(builds)
        key = rng.choice(["*"] + arches[vid])
        value = rng.choice((build.name, "%s:%s" % (build.name, build.stream), "%s*" % build.name[:3],
                            "%s:%s*" % (build.name, build.stream[:1])))
        filters.append(("^%s$" % vid, {key: [value]}))
    return filters


def module_gather_method(rng, drawn, ids):
    """gather_method with a method for the module source: DRAWN's shape kept mostly."""
    roll = rng.random()
    if isinstance(drawn, str) and roll < 0.4:
        return drawn
    if isinstance(drawn, dict) and roll < 0.85:
        methods = {}
        for pattern, value in drawn.items():
            value = dict(value) if isinstance(value, dict) else value
            if isinstance(value, dict) and rng.random() < 0.93:
                value["module"] = rng.choice(("nodeps", "deps"))
            methods[pattern] = value
        return methods
    shape = {"module": rng.choice(("nodeps", "deps")), "comps": rng.choice(("deps", "deps", "nodeps"))}
    if rng.random() < 0.5:
        shape["json"] = rng.choice(("deps", "nodeps"))
    if rng.random() < 0.7:
        return {"^.*$": shape}
    methods = {"^.*$": shape}
    vid = rng.choice(ids)
    methods["^%s$" % vid] = dict(shape, module=rng.choice(("nodeps", "deps")))
    return methods


# --- createrepo_extra_modulemd (drawn with --realconf, as CentOS Stream's config sets it) ---

EXTRA_NAMES = ("fzextra", "aaextra", "modnode", "zzextra")
EXTRA_TREE_ARCHES = ("x86_64", "i386")


def gen_extra_modulemd(rng, builds, root, variants, case_dir):
    """A createrepo_extra_modulemd option ([(name, value)]) with its directories of modulemd
    files written under CASE_DIR/extra-modulemd: for some of VARIANTS (fuzz-compose Variants;
    mostly ones whose element of the variants document ROOT lists <modules>, sometimes one
    without, or a uid the compose lacks) a directory of <tree arch>/ subdirectories (now and then
    one of an arch the variant lacks) holding one-stream files, files of several streams (of
    several modules, in any order, a defaults document among them now and then), streams of the
    case's module builds' modules (a new stream, or a build's stream at a version none has), and
    files Pungi does not read (.yml, files beside the arch directories)."""
    modular_ids = {e.get("id") for e in root.iter("variant") if e.find("modules") is not None}
    modular = [v for v in variants if v.id in modular_ids and v.type != "optional"]
    chosen = rng.sample(modular, min(len(modular), rng.choice((1, 1, 2)))) if modular else []
    if rng.random() < 0.25 or not chosen:
        chosen.append(rng.choice(variants))
    value = {}
    for number, variant in enumerate(chosen):
        uid = "Missing" if rng.random() < 0.05 else variant.uid
        directory = os.path.join(case_dir, "extra-modulemd", "d%d" % number)
        for arch in EXTRA_TREE_ARCHES:
            if arch in variant.arches and rng.random() < 0.85 or rng.random() < 0.1:
                _write_extra_arch(rng, builds, os.path.join(directory, arch), arch)
        if rng.random() < 0.1:
            os.makedirs(directory, exist_ok=True)
            with open(os.path.join(directory, "stray.yaml"), "w") as f:
                f.write(_extra_stream(rng, "fzstray", "1", "x86_64"))
        if not os.path.isdir(directory):
            os.makedirs(os.path.join(directory, rng.choice(EXTRA_TREE_ARCHES)))
        value[uid] = {"scm": "file", "dir": os.path.abspath(directory)}
    return [("createrepo_extra_modulemd", value)]


def _write_extra_arch(rng, builds, directory, arch):
    os.makedirs(directory, exist_ok=True)
    for number in range(rng.choice((1, 1, 2, 3))):
        roll = rng.random()
        if roll < 0.6:
            text = _extra_stream(rng, rng.choice(EXTRA_NAMES), str(rng.randint(1, 3)), arch)
        elif roll < 0.85:
            docs = [_extra_stream(rng, rng.choice(EXTRA_NAMES), str(rng.randint(1, 3)), arch)
                    for _ in range(rng.randint(2, 3))]
            if rng.random() < 0.3:
                docs.insert(rng.randint(0, len(docs)), _extra_defaults(rng))
            text = "".join(docs)
        elif roll < 0.96 and builds:
            # a build's module and stream, never its N:S:V:C: Pungi gives an extra stream's N:S:V:C
            # the tag DUMMY in the variant, which its other arches' createrepo threads read or
            # not as they race (a Koji stream's modules.json tag then depends on timing)
            build = rng.choice(builds)
            text = _extra_stream(rng, build.name, build.stream, arch, 1, "ffff0000")
        else:
            text = _extra_defaults(rng)
        suffix = ".yml" if rng.random() < 0.08 else ".yaml"
        with open(os.path.join(directory, "extra%d%s" % (number, suffix)), "w") as f:
            f.write(text)


def _extra_stream(rng, name, stream, arch, version=None, context=None):
    lines = ["---", "document: modulemd", "version: 2", "data:", "  name: %s" % name,
             "  stream: \"%s\"" % stream, "  version: %d" % (version or rng.choice(VERSIONS)),
             "  context: %s" % (context or rng.choice(CONTEXTS))]
    if rng.random() < 0.85:
        lines.append("  arch: %s" % ("i686" if arch == "i386" else arch))
    lines += ["  summary: Extra module %s" % name, "  description: An extra stream (createrepo_extra_modulemd).",
              "  license:", "    module:", "    - MIT"]
    if rng.random() < 0.3:
        lines += ["  artifacts:", "    rpms:", "    - %s-0:1.0-1.%s" % (name, "noarch")]
    return "\n".join(lines + ["...", ""])


def _extra_defaults(rng):
    name = rng.choice(EXTRA_NAMES)
    return "\n".join(["---", "document: modulemd-defaults", "version: 1", "data:", "  module: %s" % name,
                      "  stream: \"%d\"" % rng.randint(1, 3), "...", ""])
