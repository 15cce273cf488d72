"""punji-pkgset: the package set of one compose arch and a yum repo over it."""

import sys

from . import cli

DESCRIPTION = """\
Read the package set of one compose arch: from the repositories of pkgset_repos
(pkgset_source = "repos": the highest version of each name.arch) or from Koji
(pkgset_source = "koji": the latest builds of pkgset_koji_tag with its inheritance,
pkgset_koji_builds and pkgset_koji_scratch_tasks on top, the signed copies by sigkeys
preference, through koji_profile). Keep the packages of that arch, its multilib partner,
noarch and source; check every file's RPM header. Write work/<arch>/pkgset/packages.json
and a yum repo over the set in work/<arch>/repo."""

EXAMPLE = """\
punji-pkgset --arch x86_64 /mnt/composes/PDL-1-20261125.n.0"""


build_parser, main = cli.phase_command("pkgset", DESCRIPTION, EXAMPLE, scope="arch")


if __name__ == "__main__":
    sys.exit(main())
