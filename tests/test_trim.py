"""Pungi's variant-type rules across variants and arches (punji_lib.rpms.trim), on records made here."""

from punji_lib.rpms.trim import trim


def variant(uid, kind="variant", parent=None):
    return {"uid": uid, "id": uid.split("-")[-1], "type": kind, "parent": parent}


def pkg(name, arch="x86_64", category="binary", *flags):
    return {"name": name, "arch": arch, "category": category, "flags": list(flags),
            "nevra": "%s-0:1-1.%s" % (name, "src" if category == "source" else arch)}


def names(records):
    return sorted("%s.%s %s" % (p["name"], p["arch"], p["category"]) for p in records)


TREE = [variant("Server"), variant("Server-HA", "addon", "Server"),
        variant("Server-Cloud", "layered-product", "Server"), variant("Server-optional", "optional", "Server")]


def test_an_addon_drops_what_its_parent_has_and_moves_what_only_the_parents_sources_brought():
    solved = {
        ("Server", "x86_64"): [pkg("bash"), pkg("bash", "src", "source")],
        ("Server-HA", "x86_64"): [
            pkg("bash"),                                            # the parent has it: dropped
            pkg("bash-extra", "x86_64", "binary", "fulltree-exclude"),  # its source is Server's: moved
            pkg("bash-tool", "x86_64", "binary", "fulltree-exclude", "input"),  # asked for: stays
            pkg("corosync", "x86_64", "binary", "input"), pkg("corosync", "src", "source"),
        ],
    }
    out = trim(TREE[:2], solved)
    assert names(out[("Server-HA", "x86_64")]) == ["bash-tool.x86_64 binary", "corosync.src source",
                                                  "corosync.x86_64 binary"]
    assert names(out[("Server", "x86_64")]) == ["bash-extra.x86_64 binary", "bash.src source", "bash.x86_64 binary"]


def test_addons_are_trimmed_in_uid_order_each_seeing_what_the_ones_before_moved_to_the_parent():
    # found by tools/fuzz-compose --multiarch --comps --seed 17008: Pungi 4.3.2 trims the addons
    # sorted by uid, so Cloud-Client (a <ref>, listed last) moves doc into Cloud before Cloud-Workstation,
    # which asked for doc, is trimmed and then drops it as the parent's
    tree = [variant("Cloud"), variant("Cloud-Workstation", "addon", "Cloud"), variant("Cloud-Client", "addon", "Cloud")]
    solved = {
        ("Cloud", "s390x"): [pkg("core", "s390x")],
        ("Cloud-Workstation", "s390x"): [pkg("doc", "noarch", "binary", "fulltree-exclude", "input")],
        ("Cloud-Client", "s390x"): [pkg("doc", "noarch", "binary", "fulltree-exclude"), pkg("ha", "s390x")],
    }
    out = trim(tree, solved)
    assert names(out[("Cloud", "s390x")]) == ["core.s390x binary", "doc.noarch binary"]
    assert names(out[("Cloud-Client", "s390x")]) == ["ha.s390x binary"]
    assert out[("Cloud-Workstation", "s390x")] == []


def test_optional_loses_addon_names_on_every_arch_and_what_the_parent_has_after_the_moves():
    solved = {
        ("Server", "x86_64"): [pkg("bash")], ("Server", "i386"): [pkg("bash", "i686")],
        ("Server-HA", "x86_64"): [pkg("pkgconf"), pkg("moved", "x86_64", "binary", "fulltree-exclude")],
        ("Server-optional", "x86_64"): [pkg("moved"), pkg("devel")],
        # the addon is x86_64 only, yet its names leave the optional i386 tree too (Pungi 4.3.2)
        ("Server-optional", "i386"): [pkg("pkgconf", "i686"), pkg("pkgconf", "src", "source"),
                                      pkg("bash", "i686"), pkg("devel", "i686")],
    }
    tree = [TREE[0], TREE[1], TREE[3]]
    for v in tree:
        v["arches"] = ["x86_64", "i386"]
    out = trim(tree, solved)
    assert names(out[("Server-optional", "x86_64")]) == ["devel.x86_64 binary"]
    assert names(out[("Server-optional", "i386")]) == ["devel.i686 binary", "pkgconf.src source"]


def test_a_layered_product_keeps_sources_and_debuginfo_of_addon_names_and_drops_their_binaries():
    solved = {
        ("Server", "x86_64"): [],
        ("Server-HA", "x86_64"): [pkg("lib"), pkg("lib", "src", "source"), pkg("lib-debuginfo", "x86_64", "debug")],
        ("Server-Cloud", "x86_64"): [pkg("lib"), pkg("lib", "src", "source"),
                                     pkg("lib-debuginfo", "x86_64", "debug"), pkg("cloud")],
    }
    out = trim(TREE[:3], solved)
    assert names(out[("Server-Cloud", "x86_64")]) == ["cloud.x86_64 binary", "lib-debuginfo.x86_64 debug",
                                                     "lib.src source"]
    assert names(out[("Server-HA", "x86_64")]) == ["lib-debuginfo.x86_64 debug", "lib.src source",
                                                  "lib.x86_64 binary"]


def test_what_the_parent_took_from_a_lookaside_repo_counts_as_the_parents():
    """Pungi keeps a variant's lookaside packages in its result (flagged, never linked), so an
    addon loses its own copy of one; gather --assemble leaves the flagged ones out of the trees."""
    solved = {
        ("Server", "x86_64"): [pkg("common", "noarch", "binary", "lookaside")],
        ("Server-HA", "x86_64"): [pkg("common", "noarch"), pkg("ha")],
    }
    out = trim(TREE[:2], solved)
    assert names(out[("Server-HA", "x86_64")]) == ["ha.x86_64 binary"]


def test_a_package_two_gather_sources_found_is_trimmed_copy_by_copy_as_pungi_does():
    # Pungi keeps a record per gather source: the comps source's copy (a dependency whose source is
    # the parent's) moves into the parent, the json source's (asked for) stays in the addon
    lib = pkg("lib", "x86_64", "binary", "fulltree-exclude")
    lib["also_flags"] = [["input"]]
    solved = {("Server", "x86_64"): [], ("Server-HA", "x86_64"): [lib, pkg("ha")]}
    out = trim(TREE[:2], solved)
    assert names(out[("Server", "x86_64")]) == ["lib.x86_64 binary"]
    assert names(out[("Server-HA", "x86_64")]) == ["ha.x86_64 binary", "lib.x86_64 binary"]


def test_an_optional_variants_copy_an_addons_would_move_is_dropped_not_moved():
    # Pungi 4.3.2 trims an optional variant as an addon but moves nothing into the parent: a copy
    # that came in only because its source is the parent's is dropped; a copy asked for stays
    extra, asked = pkg("bash-extra", "x86_64", "binary", "fulltree-exclude"), pkg("bash-doc", "x86_64", "binary",
                                                                                 "fulltree-exclude")
    asked["also_flags"] = [["input"]]
    solved = {("Server", "x86_64"): [pkg("bash")],
              ("Server-optional", "x86_64"): [extra, asked, pkg("devel")]}
    out = trim([TREE[0], TREE[3]], solved)
    assert names(out[("Server-optional", "x86_64")]) == ["bash-doc.x86_64 binary", "devel.x86_64 binary"]
    assert names(out[("Server", "x86_64")]) == ["bash.x86_64 binary"]
