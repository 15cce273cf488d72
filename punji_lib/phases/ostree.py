"""OSTree commits made with rpm-ostree (Pungi's ostree phase), all blocks of the compose.

ostree is {variant regex: block or [blocks]} (each block runs on its 'arches',
default every binary arch of the variant) or, as in old Pungi configs, a
variant/arch mapping. For each block, variant and arch, as pungi-make-ostree does:

  1. config_url (a git repository) is checked out at config_branch (default
     master) into work/<arch>/ostree/<variant>-<n>/tree;
  2. the treefile there (JSON, or YAML when PyYAML is installed) is rewritten:
     each of the block's 'repo' entries (a variant uid -> that variant's os tree
     in this compose, a URL, or a {"baseurl", "name", ...} dict) becomes a .repo
     file beside it, named in the treefile's "repos" (with its original repos
     only when keep_original_sources is true), and ostree_ref replaces its "ref";
  3. `rpm-ostree compose tree --repo=<ostree_repo>
     --write-commitid-to=logs/<arch>/ostree-<variant>-<n>/commitid.log
     --touch-if-changed=<that>.stamp [--add-metadata-string=version=<version>]
     [--force-nocache] [--unified-core] <treefile>` runs through the phase's
     runroot method (punji_lib.koji.runroot), its output in
     logs/<arch>/ostree-<variant>-<n>/create-ostree-repo.log too;
  4. unless tag_ref is false, <ostree_repo>/refs/heads/<ref> gets the commit id
     (the ref: ostree_ref or the treefile's, ${basearch} replaced);
  5. with update_summary, `ostree summary --update --repo=<ostree_repo>` runs the same way.

With ostree_use_koji_plugin, steps 3 to 5 are one pungi_ostree task of Pungi's Koji
plugin (`pungi-make-ostree tree` with --repo, --log-dir, --treefile, --version,
--update-summary, --ostree-ref, --force-new-commit, as Pungi passes them; packages
pungi, ostree and rpm-ostree; the ostree repo mounted).

The commits and refs go into compose/metadata/ostree.json: {"header", "ostree":
{variant: {arch: {"commit", "ref", "repo"}}}} (commit null when rpm-ostree made
no new commit). A block whose 'failable' lists the arch (or "*"), or whose
variant's failable_deliverables name "ostree" on the arch, may fail: a warning,
the state file records failed and the compose finishes FINISHED_INCOMPLETE; any
other failure fails the phase in one line. A version naming one of Pungi's
version generators (!OSTREE_VERSION_FROM_LABEL_DATE_TYPE_RESPIN, ...) becomes
its value (request.generated_version).
"""

import os

from ..compose import jsonio, layout, notify, request, state
from ..config.lookup import block_can_fail, block_jobs
from ..errors import PunjiError
from ..koji import runroot
from ..log import log, warn
from ..media import ostree_treefile

PHASE = "ostree"
PROG = "punji-ostree"
DELIVERABLE = "ostree"


def plan(conf, tree):
    """[(variant, arch, number, block)] in variant, arch and config order."""
    return block_jobs(conf.get("ostree"), tree)


def can_fail(conf, uid, arch, block):
    return block_can_fail(conf, DELIVERABLE, uid, arch, block)


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    rr_conf = runroot.options(topdir)
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    results, failed = {}, []
    jobs = plan(conf, tree)
    # until this run finishes, the phase is not done and no commit is known
    for stale in (layout.state_file(PHASE), layout.ostree_json()):
        if os.path.exists(layout.at(topdir, stale)):
            os.unlink(layout.at(topdir, stale))
    for uid, arch, number, block in jobs:
        what = "option 'ostree' (variant %s, arch %s, block %d)" % (uid, arch, number)
        try:
            result = results.setdefault(uid, {})[arch] = one(topdir, conf, rr_conf, tree, uid, arch, number, block,
                                                              what)
            notify.send(topdir, "ostree", variant=uid, arch=arch, ref=result["ref"], commitid=result["commit"],
                        repo_path=layout.translate_path(result["repo"], conf.get("translate_paths")),
                        local_repo_path=result["repo"])
        except PunjiError as exc:
            message = "%s: %s" % (what, exc)
            if not can_fail(conf, uid, arch, block):
                raise PunjiError(message)
            warn(PROG, message + " (failable: the compose goes on without it)")
            failed.append(message)
    header = state.header("ostree-metadata")
    jsonio.write_json(layout.at(topdir, layout.ostree_json()), {"header": header, "ostree": results})
    facts = {"commits": sum(len(a) for a in results.values()), "result": layout.ostree_json()}
    if failed:
        facts["error"] = failed[0] + ("" if len(failed) == 1 else " (and %d more)" % (len(failed) - 1))
    state.write(topdir, PHASE, failed=bool(failed), errors=failed, **facts)


def one(topdir, conf, rr_conf, tree, uid, arch, number, block, what):
    """Make the commit of one block for UID.ARCH; {"commit", "ref", "repo"}."""
    try:
        version = request.generated_version(topdir, conf["release_version"], block.get("version"))
    except PunjiError as exc:
        raise PunjiError("%s: version: %s" % (what, exc))
    repo = block["ostree_repo"]
    logs = layout.at(topdir, layout.ostree_log_dir(uid, arch, number))
    treefile = ostree_treefile.checkout(topdir, block, layout.at(topdir, layout.ostree_work_dir(uid, arch, number)),
                                        logs, what, block.get("config_branch"))
    updates = {"ref": block["ostree_ref"]} if block.get("ostree_ref") else {}
    original_ref = ostree_treefile.tweak(topdir, treefile, block, tree, arch, what, updates).get("ref")
    ref = (block.get("ostree_ref") or original_ref or "").replace("${basearch}", arch)
    os.makedirs(repo, exist_ok=True)
    commitid_file = os.path.join(logs, "commitid.log")
    log_path = layout.log_file(PHASE)
    if conf.get("ostree_use_koji_plugin"):
        commit = _plugin_commit(rr_conf, arch, block, repo, logs, treefile, version, log_path)
        log.info("ostree %s.%s (block %d): commit %s, ref %s (pungi_ostree task)", uid, arch, number, commit, ref)
        return {"commit": commit, "ref": ref or None, "repo": repo}
    argv = ["rpm-ostree", "compose", "tree", "--repo=%s" % repo, "--write-commitid-to=%s" % commitid_file,
            "--touch-if-changed=%s.stamp" % commitid_file]
    if version:
        argv.append("--add-metadata-string=version=%s" % version)
    if block.get("force_new_commit"):
        argv.append("--force-nocache")
    if block.get("unified_core"):
        argv.append("--unified-core")
    argv.append(treefile)
    packages = ["ostree", "rpm-ostree"] + list(block.get("runroot_packages") or [])
    log.info("ostree %s.%s (block %d): rpm-ostree compose tree into %s", uid, arch, number, repo)
    output = runroot.run(rr_conf, PHASE, arch, argv, os.path.dirname(treefile), log_path, packages)
    jsonio.write_text(os.path.join(logs, "create-ostree-repo.log"), output or "")
    commit = None
    if os.path.isfile(commitid_file):
        with open(commitid_file) as f:
            commit = f.read().strip() or None
    elif os.path.exists(commitid_file + ".stamp"):
        raise PunjiError("%s: rpm-ostree made a commit but wrote no commit id to %s" % (what, commitid_file))
    if commit and block.get("tag_ref", True) and ref:
        heads = os.path.join(repo, "refs", "heads")
        if not os.path.isdir(heads):
            raise PunjiError("%s: %s is not an ostree repo (no refs/heads)" % (what, repo))
        os.makedirs(os.path.dirname(os.path.join(heads, ref)), exist_ok=True)
        jsonio.write_text(os.path.join(heads, ref), commit + "\n")
    if block.get("update_summary"):
        runroot.run(rr_conf, PHASE, arch, ["ostree", "summary", "--update", "--repo=%s" % repo],
                    os.path.dirname(treefile), log_path, packages)
    log.info("ostree %s.%s (block %d): commit %s, ref %s", uid, arch, number, commit, ref)
    return {"commit": commit, "ref": ref or None, "repo": repo}


def _plugin_commit(rr_conf, arch, block, repo, logs, treefile, version, log_path):
    """ostree_use_koji_plugin: pungi-make-ostree runs as a pungi_ostree task with the arguments
    Pungi gives it (the treefile already points at the compose's repos, so no extra config);
    it writes the commit id into LOGS/commitid.log, tags the ref and updates the summary.
    The commit id, or None when nothing changed."""
    args = {"repo": repo, "log-dir": logs, "treefile": treefile, "version": version,
            "update-summary": bool(block.get("update_summary")), "ostree-ref": block.get("ostree_ref"),
            "force-new-commit": bool(block.get("force_new_commit"))}
    packages = ["pungi", "ostree", "rpm-ostree"] + list(block.get("runroot_packages") or [])
    runroot.plugin_task(rr_conf, PHASE, arch, "pungi_ostree",
                        {"pungi_make_ostree_args": {k: value for k, value in args.items() if value}},
                        os.path.dirname(treefile), log_path, packages, mounts=[repo])
    return (jsonio.read_text(os.path.join(logs, "commitid.log")) or "").strip() or None
