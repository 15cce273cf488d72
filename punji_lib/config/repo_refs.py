"""Repositories as the config names them: a local path, a file:// URL or an http(s) URL, and
the repos of pkgset_repos that apply to an arch."""

import urllib.parse

REMOTE_SCHEMES = ("http", "https")


def is_remote(repo):
    scheme, sep, _rest = repo.partition("://")  # not urlparse: called once per package
    return bool(sep) and scheme.lower() in REMOTE_SCHEMES


def local_path(repo):
    """The directory of a local repo: a path, or a file:// URL."""
    parsed = urllib.parse.urlparse(repo)
    if parsed.scheme == "file":
        return urllib.parse.unquote(parsed.path)
    return repo


def repos_for(pkgset_repos, arch):
    """The repos of ARCH then those of '*', each once, in config order."""
    result = []
    for key in (arch, "*"):
        value = pkgset_repos.get(key) or []
        for repo in [value] if isinstance(value, str) else value:
            if repo not in result:
                result.append(repo)
    return result
