"""product_id: each variant.arch's product certificate in its os repodata, as Pungi 4.3.2 adds it
(checked against Pungi by hand on the demo product with certificates for its nine variant.arch
trees: the same productid files, byte-identical; both fail on a missing certificate and, with
product_id_allow_missing, both leave that tree without one)."""

import os

from conftest import command, server_config, server_variants

PRODUCT_ID = 'product_id = {"scm": "file", "dir": "certs"}\n'
VARIANTS = server_variants("x86_64")


def product(tmp_path, repo, certs, options="", variants=VARIANTS):
    """The config of a product (one variant unless VARIANTS) whose certs/ holds CERTS {file name: text}."""
    folder = tmp_path / "certs"
    folder.mkdir(exist_ok=True)
    for name in os.listdir(folder):
        os.unlink(folder / name)
    for name, text in certs.items():
        (folder / name).write_text(text)
    (tmp_path / "variants.xml").write_text(variants)
    conf = tmp_path / "pid.conf"
    conf.write_text(server_config("Product", "PID", repo, "demo-tzdata", PRODUCT_ID) + options)
    return conf


def compose(conf, target):
    return command("punji-compose", conf, "--target-dir", target, "--nightly")


def finished(conf, target):
    done = compose(conf, target)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def assert_doomed(done, *fragments):
    """A compose that failed in createrepo: no traceback, its last line the compose's verdict
    naming FRAGMENTS."""
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("punji-compose: error: compose DOOMED: createrepo Server.x86_64 failed: "), last
    for fragment in fragments:
        assert fragment in last, last


def productid(topdir, tree):
    """(the productid record's location in TREE's repomd.xml or None, repodata/productid's text or None)."""
    import createrepo_c

    repodata = os.path.join(topdir, "compose", "Server", tree, "repodata")
    repomd = createrepo_c.Repomd(os.path.join(repodata, "repomd.xml"))
    href = next((r.location_href for r in repomd.records if r.type == "productid"), None)
    plain = os.path.join(repodata, "productid")
    return href, (open(plain).read() if os.path.exists(plain) else None)


def test_the_os_repo_gets_its_variant_archs_certificate_as_productid(tmp_path, small_repo):
    certs = {"Product-Server-x86_64-69.pem": "server cert\n", "Product-Client-x86_64-70.pem": "client cert\n"}
    topdir = finished(product(tmp_path, small_repo, certs), tmp_path / "composes")
    href, text = productid(topdir, "x86_64/os")
    assert href.startswith("repodata/") and href.endswith("-productid.gz")
    assert os.path.isfile(os.path.join(topdir, "compose", "Server", "x86_64", "os", href))
    assert text == "server cert\n"
    assert productid(topdir, "x86_64/debug/tree") == (None, None)
    assert productid(topdir, "source/tree") == (None, None)
    kept = os.path.join(topdir, "work", "x86_64", "product_id", "Server.x86_64.pem", "productid")
    assert open(kept).read() == "server cert\n"


def test_a_missing_certificate_stops_the_compose_unless_allowed(tmp_path, small_repo):
    certs = {"Product-Client-x86_64-70.pem": "client cert\n"}
    done = compose(product(tmp_path, small_repo, certs), tmp_path / "failed")
    assert_doomed(done, "option 'product_id'", "Server.x86_64")
    topdir = finished(product(tmp_path, small_repo, certs, "product_id_allow_missing = True\n"),
                      tmp_path / "allowed")
    assert productid(topdir, "x86_64/os") == (None, None)


def test_several_certificates_or_a_prefix_not_allowed_stop_the_compose(tmp_path, small_repo):
    two = {"A-Server-x86_64-1.pem": "a\n", "B-Server-x86_64-2.pem": "b\n"}
    done = compose(product(tmp_path, small_repo, two), tmp_path / "two")
    assert_doomed(done, "several product certificates", "A-Server-x86_64-1.pem, B-Server-x86_64-2.pem")
    prefixed = {"A-Server-x86_64-1.pem": "a\n"}
    done = compose(product(tmp_path, small_repo, prefixed, "product_id_allow_name_prefix = False\n"),
                   tmp_path / "prefixed")
    assert_doomed(done, "no product certificate for Server.x86_64")
    unprefixed = {"Server-x86_64-1.pem": "plain\n"}
    topdir = finished(product(tmp_path, small_repo, unprefixed, "product_id_allow_name_prefix = False\n"),
                      tmp_path / "unprefixed")
    assert productid(topdir, "x86_64/os")[1] == "plain\n"


def test_a_nightly_takes_the_repodata_over_only_with_the_same_certificate(tmp_path, small_repo):
    target = tmp_path / "composes"
    conf = product(tmp_path, small_repo, {"Server-x86_64-1.pem": "first\n"})
    first = finished(conf, target)
    same = finished(conf, target)
    assert productid(same, "x86_64/os") == productid(first, "x86_64/os")
    repomd = os.path.join("compose", "Server", "x86_64", "os", "repodata", "repomd.xml")
    assert os.stat(os.path.join(same, repomd)).st_ino == os.stat(os.path.join(first, repomd)).st_ino
    product(tmp_path, small_repo, {"Server-x86_64-1.pem": "second\n"})
    changed = finished(conf, target)
    assert productid(changed, "x86_64/os")[1] == "second\n"
    assert productid(changed, "x86_64/os")[0] != productid(first, "x86_64/os")[0]
    assert productid(first, "x86_64/os")[1] == "first\n"


def test_an_empty_variant_needs_its_certificate_too_as_in_pungi(tmp_path, small_repo):
    with_empty = VARIANTS.replace("</variants>", """  <variant id="Empty" name="Empty" type="variant" is_empty="true">
    <arches><arch>x86_64</arch></arches>
  </variant>
</variants>""")
    certs = {"Server-x86_64-1.pem": "server\n"}
    done = compose(product(tmp_path, small_repo, certs, variants=with_empty), tmp_path / "failed")
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert "createrepo Empty.x86_64 failed: option 'product_id': no product certificate for Empty.x86_64" \
        in done.stderr.strip().splitlines()[-1]
    certs["Empty-x86_64-1.pem"] = "empty\n"
    topdir = finished(product(tmp_path, small_repo, certs, variants=with_empty), tmp_path / "composes")
    assert not os.path.exists(os.path.join(topdir, "compose", "Empty", "x86_64", "os"))
    kept = os.path.join(topdir, "work", "x86_64", "product_id", "Empty.x86_64.pem", "productid")
    assert open(kept).read() == "empty\n"


def test_a_relative_path_missing_beside_the_config_is_read_from_where_the_compose_started(tmp_path, small_repo):
    # Pungi reads product_id (as extra_files) against its working directory; punji against the
    # config's folder first, then there
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "certs").mkdir(parents=True)
    (elsewhere / "certs" / "Server-x86_64-1.pem").write_text("from the working directory\n")
    configs = tmp_path / "configs"
    configs.mkdir()
    conf = product(configs, small_repo, {})
    os.rmdir(configs / "certs")
    done = command("punji-compose", conf, "--target-dir", tmp_path / "composes", "--nightly", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert productid(done.stdout.strip(), "x86_64/os")[1] == "from the working directory\n"
    (configs / "certs").mkdir()
    (configs / "certs" / "Server-x86_64-1.pem").write_text("beside the config\n")
    done = command("punji-compose", conf, "--target-dir", tmp_path / "again", "--nightly", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert productid(done.stdout.strip(), "x86_64/os")[1] == "beside the config\n"
