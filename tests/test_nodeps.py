"""Pungi 4.3.2's nodeps gather method (punji_lib.rpms.nodeps) with a lookaside repo."""

import os
import shutil
import subprocess

from punji_lib.rpms import nodeps
from punji_lib.rpms.depsolve import Result
from punji_lib.rpms.pkgpool import PackagePool


def test_the_source_package_comes_from_the_package_set_though_a_lookaside_repo_has_it(tmp_path, demo_repo):
    # Pungi's method reads only the package set, so a lookaside copy of the same source package
    # neither hides it nor replaces it
    lookaside = tmp_path / "lookaside"
    (lookaside / "Packages").mkdir(parents=True)
    for name in os.listdir(os.path.join(demo_repo, "Packages")):
        if name.startswith("demo-libc-2.38"):
            shutil.copy(os.path.join(demo_repo, "Packages", name), lookaside / "Packages")
    subprocess.run(["createrepo_c", "--quiet", str(lookaside)], check=True)
    pool = PackagePool("x86_64", [demo_repo], [str(lookaside)], cache=str(tmp_path / "cache"))
    found = nodeps.gather(pool, [("demo-libc", "x86_64")], Result(pool)).packages
    by_category = {}
    for i, (category, _why) in found.items():
        by_category.setdefault(category, []).append(pool.path(i))
    assert [os.path.basename(p) for p in by_category["srpm"]] == ["demo-libc-2.38-4.pdl1.src.rpm"]
    assert all(p.startswith(demo_repo) for paths in by_category.values() for p in paths)
    assert sorted(os.path.basename(p) for p in by_category["rpm"]) == ["demo-libc-2.38-4.pdl1.x86_64.rpm"]
