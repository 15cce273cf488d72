"""An rpm-ostree treefile pointed at a compose's repositories, as pungi-make-ostree's
tweak_treeconf does for the ostree and ostree_container phases.

Each entry of a block's 'repo' (a variant uid -> that variant's os tree in this
compose as a file:// URL, a URL, or a {"baseurl", "name", ...} dict) becomes a
.repo file beside the treefile, named in its "repos" (after the treefile's own
repos only with the block's keep_original_sources); the phase's own keys (ref,
automatic-version-prefix) are set in it. JSON treefiles, or YAML ones when
PyYAML is installed.
"""

import json
import os
import re
import shutil

from ..compose import jsonio, layout
from ..errors import PunjiError


def checkout(topdir, block, work, logs, what, branch=None):
    """Empty WORK and LOGS, check out the block's config_url at BRANCH into WORK; the path of
    its treefile there (an error when the repository has none)."""
    from ..compose import request
    from ..config import scm

    for path in (work, logs):
        if os.path.isdir(path):
            shutil.rmtree(path)
        os.makedirs(path)
    checked_out = scm.git_checkout(block["config_url"], branch, work, what, request.config_dir(topdir))
    treefile = os.path.join(checked_out, block["treefile"])
    if not os.path.isfile(treefile):
        raise PunjiError("%s: treefile %s is not in %s" % (what, block["treefile"], block["config_url"]))
    return treefile


def repo_entries(topdir, block, tree, arch):
    """The block's 'repo' as [(name, baseurl, extra options)]."""
    repos = block.get("repo") or []
    repos = repos if isinstance(repos, list) else [repos]
    uids = {v["uid"] for v in tree}
    result = []
    for number, entry in enumerate(repos, 1):
        if isinstance(entry, dict):
            extra = {k: v for k, v in entry.items() if k not in ("name", "baseurl")}
            name, url = entry.get("name"), entry["baseurl"]
        else:
            extra, name, url = {}, None, entry
        if url in uids:
            name = name or url
            url = "file://" + layout.at(topdir, layout.os_tree(url, arch))
        result.append((re.sub(r"[^A-Za-z0-9_.-]", "_", name or "repo-%d" % number), url, extra))
    return result


def tweak(topdir, path, block, tree, arch, what, updates):
    """Point treefile PATH at the block's repos (.repo files beside it) and set the keys of UPDATES
    in it; the treefile's original content."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    yaml = path.endswith((".yaml", ".yml"))
    try:
        if yaml:
            import yaml as pyyaml

            data = pyyaml.safe_load(text)
        else:
            data = json.loads(text)
    except ImportError:
        raise PunjiError("%s: YAML treefile %s needs PyYAML (package python3-yaml)" % (what, block["treefile"]))
    except ValueError as exc:
        raise PunjiError("%s: treefile %s cannot be read: %s" % (what, block["treefile"], exc))
    if not isinstance(data, dict):
        raise PunjiError("%s: treefile %s is not a mapping" % (what, block["treefile"]))
    original = dict(data)
    entries = repo_entries(topdir, block, tree, arch)
    if entries or updates:
        names = []
        for name, url, extra in entries:
            lines = ["[%s]" % name, "name=%s" % name, "baseurl=%s" % url]
            lines += ["%s=%s" % (k, str(v).lower() if isinstance(v, bool) else v) for k, v in sorted(extra.items())]
            jsonio.write_text(os.path.join(os.path.dirname(path), "%s.repo" % name), "\n".join(lines) + "\n")
            names.append(name)
        if block.get("keep_original_sources"):
            names = list(data.get("repos") or []) + [n for n in names if n not in (data.get("repos") or [])]
        if entries:
            data["repos"] = names
        data.update(updates)
        if yaml:
            import yaml as pyyaml

            jsonio.write_text(path, pyyaml.safe_dump(data, sort_keys=True))
        else:
            jsonio.write_text(path, json.dumps(data, indent=4, sort_keys=True) + "\n")
    return original
