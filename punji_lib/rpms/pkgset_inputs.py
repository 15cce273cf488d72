"""What a package set read from repos (pkgset_source = "repos") is made from: the repos it
reads and the fingerprint of its inputs, which decides whether another compose's package set
can be taken over."""

from ..compose import jsonio, layout, state
from ..config import repo_refs


def repos_of(conf, arch, compose_arches):
    """The pkgset_repos the package set of ARCH reads: its own, then every other compose arch's
    (Pungi pools what every arch's run reached), each once."""
    repos = []
    for each in [arch] + [a for a in compose_arches if a != arch]:
        repos += [r for r in repo_refs.repos_for(conf.get("pkgset_repos") or {}, each) if r not in repos]
    return repos


def fingerprint(topdir, conf, arch, compose_arches):
    """The fingerprint of the package set of ARCH: options, variants, the comps of every
    compose arch and what each repo holds (repos.Repo identity: repomd.xml and metadata)."""
    from .solvcache import repo_keys

    repos = repos_of(conf, arch, compose_arches)
    cache = layout.at(topdir, layout.pkgset_cache(arch))
    comps = [jsonio.read_text(layout.at(topdir, layout.arch_comps_file(a))) for a in compose_arches]
    gather_conf = state.by_content(jsonio.read_json(layout.at(topdir, layout.config_slice("gather"))))
    return state.digest("repos", conf, gather_conf, jsonio.read_json(layout.at(topdir, layout.variants_json())), comps,
                        repos, repo_keys(repos, cache))
