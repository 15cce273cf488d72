"""The package set repositories tools/fuzz-compose --repos draws: instead of one repository
holding every RPM, a BaseOS-like repository (the lookaside repo's RPMs, a subset) and an
AppStream-like one without modules (the other RPMs), as an EL config lists them: both under each
tree arch, both under "*", one under the arches and the other under "*" (Pungi 4.3.2 reads an
arch's list, then "*"'s), in either order, sometimes written relative to the config's directory,
sometimes the whole repository in place of the BaseOS-like one (the AppStream-like RPMs twice).
The AppStream-like repository's files are copies keeping their times: the RPM file name in two
repositories with other sizes or times fails Pungi 4.3.2's package set (pungi-gather downloads
both to one directory, File exists), as a whole repository next to the lookaside repo did.

They come from an RNG of their own (seeded from the case's seed), replacing the case's
pkgset_repos, so the seed's other inputs stay the same.
"""

import os
import shutil
import subprocess


def split_repo_path(lookaside):
    """The AppStream-like repository made beside LOOKASIDE (the BaseOS-like one)."""
    return os.path.join(os.path.dirname(lookaside), os.path.basename(lookaside).replace("lookaside", "appstream"))


def ensure_split_repo(repo, lookaside):
    """Make the AppStream-like repository: the RPMs of REPO that LOOKASIDE lacks (made anew when
    LOOKASIDE is newer)."""
    target = split_repo_path(lookaside)
    repomd = os.path.join(target, "repodata", "repomd.xml")
    if os.path.isfile(repomd) and os.path.getmtime(repomd) >= os.path.getmtime(
            os.path.join(lookaside, "repodata", "repomd.xml")):
        return
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(os.path.join(target, "Packages"))
    base = set(os.listdir(os.path.join(lookaside, "Packages")))
    source = os.path.join(repo, "Packages")
    for name in sorted(os.listdir(source)):
        if name.endswith(".rpm") and name not in base:
            shutil.copy2(os.path.join(source, name), os.path.join(target, "Packages"))
    subprocess.run(["createrepo_c", "-q", target], check=True)


def gen_pkgset_repos(rng, repo, lookaside, tree_arches, case_dir):
    """[("pkgset_repos", value)] of a BaseOS-like and an AppStream-like repository."""
    repos = [lookaside, split_repo_path(lookaside)]
    if rng.random() < 0.5:
        repos.reverse()
    if rng.random() < 0.15:
        repos[repos.index(lookaside)] = repo
    if rng.random() < 0.25:
        repos = [os.path.relpath(r, case_dir) for r in repos]
    shape = rng.choice(("arches", "arches", "star", "split"))
    if shape == "star":
        value = {"*": repos}
    elif shape == "arches":
        value = {arch: list(repos) for arch in tree_arches}
    else:
        value = {arch: repos[:1] for arch in tree_arches}
        value["*"] = repos[1:]
    return [("pkgset_repos", value)]
