"""Options tools/fuzz-compose --sources draws, from an RNG of its own after every other option (a
seed's other inputs stay the same): where the inputs come from, as the configs of Fedora, CentOS
Stream and the RHEL rebuilds take them.

- comps_file, variants_file and gather_prepopulate as scm dicts: scm "file" with an absolute path,
  or scm "git" from a repository made in the case (CASE/sources.git: a first commit holding an
  older comps, branch "stale"; a second one holding the inputs, on "master" and "fuzz"), the
  branch left out, named, or a commit id, the file sometimes made by a `command` run in the
  checkout (Fedora's `make comps-rawhide.xml`);
- extra_files from RPMs of the package set (scm "rpm", `repo` a package name or glob, CentOS
  Stream's GPG keys): files, file globs, lists of files one of which is a symlink, directories
  with or without a trailing slash; mostly with the packages in additional_packages (a package
  set from repos holds only what comps and additional_packages reach);
- product_id certificates (RHEL and its rebuilds) from a directory or the git repository, for
  some variant.arch pairs, with or without a name prefix (`*HA-x86_64-*.pem` matches Server-HA's
  certificate too), product_id_allow_missing and product_id_allow_name_prefix.
"""

import fnmatch
import os
import re
import shutil
import subprocess

# files of the demo RPMs (in build/demo-repo and the multiarch repo alike)
RPM_ENTRIES = (
    {"repo": "demo-gpg-keys", "file": "/etc/pki/rpm-gpg/RPM-GPG-KEY-demo-*"},
    {"repo": "demo-gpg-keys", "file": "/etc/pki/rpm-gpg/RPM-GPG-KEY-demo-1"},
    {"repo": "demo-gpg-keys", "dir": "/etc/pki/rpm-gpg/"},
    {"repo": "demo-release", "file": ["/etc/os-release", "/etc/system-release-cpe"]},
    {"repo": "demo-release", "file": "/usr/share/licenses/demo-release/LICENSE"},
    {"repo": "demo-fonts-[ms]*", "dir": "/usr/share/fonts"},
    {"repo": "demo-fonts-sans", "dir": "/usr/share/fonts/demo-sans/"},
    {"repo": "demo-repos", "file": "/etc/yum.repos.d/demo.repo"},
    {"repo": "demo-docs", "dir": "/usr/share/doc/demo-docs"},
)
CERT_PREFIXES = ("", "", "FZ-", "Fuzz-Base-")
GIT_ENV = {"GIT_AUTHOR_NAME": "fuzz", "GIT_AUTHOR_EMAIL": "fuzz@example.com", "GIT_COMMITTER_NAME": "fuzz",
           "GIT_COMMITTER_EMAIL": "fuzz@example.com", "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
           "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"}
MAKEFILE = "comps-gen.xml: comps.xml.in\n\tcp comps.xml.in comps-gen.xml\n"


def _git(repo, *args):
    env = dict(os.environ, **GIT_ENV)
    return subprocess.run(["git", "-c", "init.defaultBranch=master", *args], cwd=repo, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def _stale_comps(text):
    """TEXT (a comps file) without its last group: what the stale branch holds."""
    groups = list(re.finditer(r"\s*<group>.*?</group>", text, re.S))
    return text if not groups else text[:groups[-1].start()] + text[groups[-1].end():]


def make_git_repo(case_dir, names):
    """CASE_DIR/sources.git holding the files NAMES of CASE_DIR (and certs/): the commit id of
    the inputs."""
    repo = os.path.join(case_dir, "sources.git")
    shutil.rmtree(repo, ignore_errors=True)
    os.makedirs(repo)
    _git(repo, "init", "-q")
    comps = os.path.join(case_dir, "comps.xml")
    if os.path.exists(comps):
        with open(comps) as f, open(os.path.join(repo, "comps.xml"), "w") as out:
            out.write(_stale_comps(f.read()))
        _git(repo, "add", "comps.xml")
    with open(os.path.join(repo, "README"), "w") as f:
        f.write("stale inputs\n")
    _git(repo, "add", "README")
    _git(repo, "commit", "-q", "-m", "stale")
    _git(repo, "branch", "stale")
    for name in names:
        shutil.copy(os.path.join(case_dir, name), os.path.join(repo, name))
        if name == "comps.xml":
            shutil.copy(os.path.join(case_dir, name), os.path.join(repo, "comps.xml.in"))
            with open(os.path.join(repo, "Makefile"), "w") as f:
                f.write(MAKEFILE)
    if os.path.isdir(os.path.join(case_dir, "certs")):
        shutil.copytree(os.path.join(case_dir, "certs"), os.path.join(repo, "certs"))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "inputs")
    _git(repo, "branch", "fuzz")
    return _git(repo, "rev-parse", "HEAD")


def git_entry(rng, case_dir, commit, key, path):
    entry = {"scm": "git", "repo": "file://" + os.path.join(case_dir, "sources.git"), key: path}
    roll = rng.random()
    if roll < 0.3:
        entry["branch"] = rng.choice(("master", "fuzz"))
    elif roll < 0.45:
        entry["branch"] = commit
    elif roll < 0.5:
        entry["branch"] = "stale"
    if path == "comps.xml" and rng.random() < 0.4:
        entry.update({key: "comps-gen.xml", "command": "make comps-gen.xml"})
    return entry


def input_sources(rng, conf, case_dir):
    """{option: "git"|"file"} for the input file options of CONF to take from an scm dict."""
    chosen = {}
    for option in ("comps_file", "variants_file", "gather_prepopulate"):
        value = conf.get(option)
        if not isinstance(value, str) or not os.path.exists(os.path.join(case_dir, value)):
            continue
        roll = rng.random()
        if roll < 0.45:
            chosen[option] = "git"
        elif roll < 0.7:
            chosen[option] = "file"
    return chosen


def write_certs(rng, variants, case_dir):
    """CASE_DIR/certs with certificates of some variant.arch pairs; whether every pair has one."""
    top = os.path.join(case_dir, "certs")
    shutil.rmtree(top, ignore_errors=True)
    os.makedirs(top)
    every = True
    for variant in variants:
        for arch in variant.arches:
            if rng.random() < 0.2:
                every = False
                continue
            name = "%s%s-%s-%d.pem" % (rng.choice(CERT_PREFIXES), variant.uid, arch, rng.randint(1, 99))
            with open(os.path.join(top, name), "w") as f:
                f.write("-----BEGIN CERTIFICATE-----\nfuzz %s %s\n-----END CERTIFICATE-----\n" % (variant.uid, arch))
    return every


def product_id_options(rng, variants, case_dir):
    """[(name, value)] of product_id and its two switches; whether the certs go into git."""
    every = write_certs(rng, variants, case_dir)
    conf = []
    if not every or rng.random() < 0.3:
        conf.append(("product_id_allow_missing", rng.random() < 0.85))
    if rng.random() < 0.2:
        conf.append(("product_id_allow_name_prefix", False))
    return conf, rng.random() < 0.4


def rpm_extra_files(rng, variants, pattern):
    """An extra_files value of scm "rpm" entries."""
    entries = []
    for _ in range(rng.randint(1, 2)):
        regex = pattern(rng, variants)
        addon = any(v.type == "addon" and re.match(regex, v.uid) for v in variants)
        chosen = []
        for entry in rng.sample(RPM_ENTRIES, rng.randint(1, 3)):
            entry = dict(entry, scm="rpm")
            # an addon's files go into its parent's tree: a directory there fails Pungi (File exists)
            if addon and "dir" in entry:
                continue
            if not addon and rng.random() < 0.6:
                entry["target"] = rng.choice(("", "keys", "extra/rpm"))
            else:
                entry["target"] = ""
            chosen.append(entry)
        if chosen:
            entries.append((regex, {rng.choice(("*", "*", "x86_64")): chosen}))
    return entries


def gen_sources(rng, variants, pattern, conf, case_dir, available=None):
    """--sources: [(name, value)] to append to CONF (the options drawn so far); writes the
    certificates and git repository into CASE_DIR. AVAILABLE: the package names the package set
    can hold (a Koji tag's), whose rpm entries naming none are left out after the draws."""
    conf_now = dict(conf)
    result = []
    chosen = input_sources(rng, conf_now, case_dir)
    certs_in_git = False
    if rng.random() < 0.5:
        switches, certs_in_git = product_id_options(rng, variants, case_dir)
        result += switches
    if rng.random() < 0.5:
        entries = keep_available(rpm_extra_files(rng, variants, pattern), available)
        result.append(("extra_files", list(conf_now.get("extra_files") or ()) + entries))
    git_names = [conf_now[o] for o, how in chosen.items() if how == "git"]
    commit = make_git_repo(case_dir, git_names) if git_names or certs_in_git else None
    for option, how in sorted(chosen.items()):
        if how == "git":
            result.append((option, git_entry(rng, case_dir, commit, "file", conf_now[option])))
        else:
            result.append((option, {"scm": "file", "repo": "", "file": os.path.join(case_dir, conf_now[option])}))
    if os.path.isdir(os.path.join(case_dir, "certs")):
        if certs_in_git:
            result.append(("product_id", git_entry(rng, case_dir, commit, "dir", "certs")))
        else:
            result.append(("product_id", rng.choice(({"scm": "file", "repo": "", "dir": os.path.join(case_dir, "certs")},
                                                     os.path.join(case_dir, "certs")))))
    # drawn last (the seeds of the first --sources run keep their configs): a package set from
    # repos holds what comps and additional_packages reach (Pungi 4.3.2's source_repos), so the
    # packages extra_files names are mostly added
    rpm_names = sorted({e["repo"] for name, value in result if name == "extra_files" for _regex, data in value
                        for block in data.values() for e in block if e["scm"] == "rpm"})
    if rpm_names and rng.random() < 0.9:
        pattern = json_gathering_pattern(conf_now.get("gather_method"), variants)
        if pattern:
            result.append(("additional_packages", list(conf_now.get("additional_packages") or ())
                           + [(pattern, {"*": rpm_names})]))
    return result


def json_gathering_pattern(gather_method, variants):
    """A regex of the VARIANTS whose GATHER_METHOD has a method for the json source (Pungi stops
    on additional_packages of a variant without one): ".*" when every variant has one, None when
    none has."""
    if not isinstance(gather_method, dict):
        return ".*"
    having = []
    for variant in variants:
        methods = [value for regex, value in gather_method.items() if re.match(regex, variant.uid)]
        if methods and (not isinstance(methods[-1], dict) or "json" in methods[-1]):
            having.append(variant.uid)
    if len(having) == len(variants):
        return ".*"
    return "^(%s)$" % "|".join(having) if having else None


def keep_available(extra_files, available):
    """EXTRA_FILES ([(regex, {arch: [entry]})]) without the scm "rpm" entries whose package glob
    names none of AVAILABLE (the package names the package set can hold; None: every name)."""
    if available is None:
        return extra_files
    kept = []
    for regex, data in extra_files:
        data = {arch: [e for e in block if e.get("scm") != "rpm" or fnmatch.filter(available, e["repo"])]
                for arch, block in data.items()}
        data = {arch: block for arch, block in data.items() if block}
        if data:
            kept.append((regex, data))
    return kept
