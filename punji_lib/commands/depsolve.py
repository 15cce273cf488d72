"""punji-depsolve: the gather solver as a pipeline tool, JSON request in, JSON answer out."""

import json
import sys

from ..errors import PunjiError
from . import cli

DESCRIPTION = """\
Solve which packages a request pulls in, with the rules of Pungi's gather phase,
over yum repositories read from their repodata alone (paths or http(s) URLs).

The request (stdin, or --request FILE) is a JSON object:
  repos, lookaside_repos   lists of repo paths or URLs (lookaside: satisfies
                           dependencies, never in the answer)
  arch                     the tree arch, e.g. x86_64 (noarch and the multilib
                           arches come with it)
  packages                 "name", "name.arch", "glob*", "-excluded" patterns
  groups                   comps group ids from the repos' group metadata;
                           groups_with_optional adds their optional packages
  nodeps, greedy (none|all|build), fulltree, fulltree_excludes, selfhosting,
  multilib_methods (none all devel runtime kernel yaboot), multilib_blacklist,
  multilib_whitelist, prepopulate, langpacks, exclude_source, exclude_debug
  modules                  true: hide modular packages as dnf does (packages
                           of streams not active, and non-modular packages
                           named like an active stream's); default: only
                           when module_streams names streams, else every
                           package is seen, the newest of each name.arch
                           whatever its stream, as Pungi's solver sees them
  module_streams           "name:stream" entries to enable; other modules
                           take their default stream
  method                   "deps" (default) or "hybrid": Pungi's hybrid gather
                           method (the fus solver): the modules of
                           module_streams and the inputs solved together by
                           libsolv's solver, "-name" patterns as its excludes;
                           nodeps, greedy, fulltree, selfhosting do not apply

The answer (stdout) has the sorted paths of "rpm", "srpm" and "debuginfo", the
"missing" patterns and the "unresolved" requirements; --explain adds "explain":
for every path the reason it is in (requested, group, conditional, langpack,
requires, multilib, fulltree, selfhosting, prepopulate, source, debuginfo; with
the hybrid method: hybrid, with the fus run that gave it and whether it is
modular, or source).
"""

EXAMPLE = """\
punji-depsolve --request req.json --explain | jq '.explain'
echo '{"repos": ["/srv/repo"], "arch": "x86_64", "packages": ["bash"]}' | punji-depsolve"""


def build_parser():
    p = cli.parser("punji-depsolve", DESCRIPTION, EXAMPLE)
    p.add_argument("--request", metavar="FILE", help="read the request from FILE instead of stdin")
    p.add_argument("--explain", action="store_true", help="say why each package is in")
    p.add_argument("--cache", metavar="DIR",
                   help="where metadata of http(s) repos is downloaded (default: ~/.cache/punji/repos)")
    return p


def read_request(path):
    """The request object from PATH (or stdin when PATH is None); errors name the line."""
    where = path or "stdin"
    try:
        if path:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        else:
            text = sys.stdin.read()
    except OSError as exc:
        raise PunjiError("%s: cannot read the request: %s" % (where, exc.strerror))
    try:
        return json.loads(text), where
    except json.JSONDecodeError as exc:
        raise PunjiError("%s:%d: invalid JSON: %s" % (where, exc.lineno, exc.msg))


def _solve(args):
    import gc

    # a run makes a great many small objects and no garbage cycles: the collector's passes
    # over them would only cost time
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        _solve_request(args)
    finally:
        if was_enabled:
            gc.enable()


def _solve_request(args):
    from ..rpms import depsolve

    request, where = read_request(args.request)
    if not isinstance(request, dict):
        raise PunjiError("%s: the request must be a JSON object" % where)
    result = depsolve.solve(depsolve.check_request(request, where), cache=args.cache)
    answer = result.answer(explain=args.explain)
    for pattern in answer["missing"]:
        cli.warn("punji-depsolve", "no package matches %r" % pattern)
    for item in answer["unresolved"]:
        cli.warn("punji-depsolve", "%s requires %r, which nothing provides" % (item["package"], item["requires"]))
    for package, problem in result.problems:
        cli.warn("punji-depsolve", "cannot install %s: %s" % (package, problem))
    sys.stdout.write(dumps_answer(answer) + "\n")


def dumps_answer(answer):
    """ANSWER as json.dumps(answer, indent=2, sort_keys=True) writes it, its lists of paths
    faster (json's indenting encoder is Python code, its string encoder C)."""
    encode = json.JSONEncoder().encode
    members = []
    for key, value in sorted(answer.items()):
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            text = "[\n    " + ",\n    ".join(encode(v) for v in value) + "\n  ]"
        else:
            text = json.dumps(value, indent=2, sort_keys=True).replace("\n", "\n  ")
        members.append("  %s: %s" % (encode(key), text))
    return "{\n" + ",\n".join(members) + "\n}" if members else "{}"


def main(argv=None):
    return cli.run(build_parser(), _solve, argv)


if __name__ == "__main__":
    sys.exit(main())
