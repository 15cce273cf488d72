"""Config files: loading as kobo/Pungi load them, validation errors, normalization."""

import json
import os

import pytest

from conftest import CONFIGS, assert_one_line_error, command
from punji_lib.compose import jsonio
from punji_lib.config import reader

VARIANTS = os.path.join(CONFIGS, "variants-docs.xml")


def write_conf(tmp_path, body, name="bad.conf"):
    (tmp_path / "variants.xml").write_text(open(VARIANTS).read())
    path = tmp_path / name
    path.write_text(
        'release_name = "X"\nrelease_short = "X"\nrelease_version = "1"\n'
        'variants_file = "variants.xml"\npkgset_source = "repos"\npkgset_repos = {"x86_64": ["/r"]}\n'
        'gather_method = "deps"\n' + body
    )
    return path


def test_documentation_style_config_is_valid():
    done = command("punji-config-validate", os.path.join(CONFIGS, "docs-example.conf"))
    assert done.returncode == 0, done.stderr
    assert "Server-Gluster (x86_64)" in done.stdout
    # every option of the example is implemented
    assert "does not implement" not in done.stderr


def test_a_json_config_pungi_config_dump_wrote_composes_as_its_source(tmp_path, demo_copy, demo_repo):
    """demo/pungi-config-dump.json is `pungi-config-dump --offline demo.conf` (Pungi 4.3.2): every
    option with Pungi's defaults. It is read as Pungi reads a *.json config, and normalizes to
    demo.conf's config but for the defaults that differ and change no output (gather reuse is
    off in Pungi, its thread count means nothing to punji)."""
    dump = demo_copy / "pungi-config-dump.json"
    dump.write_text(open(os.path.join(os.path.dirname(CONFIGS), "demo", "pungi-config-dump.json")).read()
                    .replace("../../../build/demo-repo", demo_repo))
    made = {}
    for name in ("demo.conf", dump.name):
        done = command("punji-init", demo_copy / name, "--target-dir", tmp_path / name, "--test", check=True)
        made[name] = jsonio.read_json(os.path.join(done.stdout.strip(), "work", "global", "config.json"))
    differ = {k for k in set(made["demo.conf"]) | set(made[dump.name])
              if made["demo.conf"].get(k) != made[dump.name].get(k)}
    assert differ == {"createrepo_num_threads", "gather_allow_reuse", "repoclosure_strictness"}
    assert made[dump.name]["repoclosure_strictness"] == []  # no match: lenient, Pungi's default
    done = command("punji-compose", dump, "--target-dir", tmp_path / "composed", "--test")
    assert done.returncode == 0, done.stderr
    assert open(os.path.join(done.stdout.split()[-1], "STATUS")).read().strip() == "FINISHED"


@pytest.mark.parametrize("text, fragment", [('{"release_name": "X",\n  oops}', "bad.json:2: invalid JSON"),
                                            ('["release_name"]', "a JSON config is an object of options")])
def test_a_broken_json_config_is_one_line_naming_it(tmp_path, text, fragment):
    (tmp_path / "bad.json").write_text(text)
    assert_one_line_error(command("punji-config-validate", tmp_path / "bad.json"), fragment)


def test_a_template_is_validated_with_its_variables_defined(tmp_path):
    """pungi-config-validate's -e VAR=VALUE (and .pungi-config-validate.json beside the config):
    names a template uses, set before it is read; the file's own value wins; a name that is
    no option is left out of the config."""
    path = write_conf(tmp_path, 'release_version = version\nrelease_name = "Y"\n', name="tpl.conf")
    path.write_text(path.read_text().replace('release_version = "1"\n', ""))
    assert_one_line_error(command("punji-config-validate", path), "tpl.conf:", "undefined variable 'version'")
    done = command("punji-config-validate", "-e", "version=42", "--define", "release_name=Z", "--offline", path)
    assert done.returncode == 0, done.stderr
    raw, _files = reader.load(str(path), {"version": "42", "release_name": "Z"})
    assert raw["release_version"] == "42" and raw["release_name"] == "Y" and "version" not in raw
    (tmp_path / ".pungi-config-validate.json").write_text('{"version": "43"}')
    assert command("punji-config-validate", path).returncode == 0
    assert_one_line_error(command("punji-config-validate", "-e", "9x=1", path), "VAR=VALUE")


def test_unimplemented_options_are_reported_unless_set_to_their_default(tmp_path):
    """An option punji does not act on yet is named; one that tunes what punji does its own way
    (a Pungi thread count, a cache) is named apart, with why it changes nothing."""
    done = command("punji-config-validate", write_conf(
        tmp_path, "cts_url = 'https://cts.example.com'\nostree_use_koji_plugin = False\ncreaterepo_num_threads = 4\n"
                  "createrepo_enable_cache = True\ngather_profiler = True\n"))
    assert done.returncode == 0, done.stderr
    (warning,) = [l for l in done.stderr.splitlines() if "does not implement" in l]
    assert warning.endswith("(ignored): cts_url")
    (moot,) = [l for l in done.stderr.splitlines() if "change nothing in punji" in l]
    assert moot.endswith("(ignored): createrepo_num_threads (make -j decides how many run at once); "
                         "gather_profiler (punji's solver is not the dnf backend)")


def test_kobo_leniencies_load_as_pungi_loads_them():
    raw, files = reader.load(os.path.join(CONFIGS, "lenient.conf"))
    assert raw["release_version"] == "9.1"
    assert raw["release_short"] == "LL"
    assert raw["pkgset_repos"]["aarch64"] == ["https://example.com/repos/aarch64"]
    assert raw["sigkeys"] == [None, "deadbeef"]
    assert [os.path.basename(f) for f in files] == ["lenient.conf", "common-lenient.conf"]


@pytest.mark.parametrize(
    "body, fragments",
    [
        ('createrepo_checksum = "sha257"\n', ["bad.conf:8: option 'createrepo_checksum'", "sha257"]),
        # Pungi 4.3.2 refuses "sha" (found by tools/fuzz-compose --outputs)
        ('createrepo_checksum = "sha"\n', ["bad.conf:8: option 'createrepo_checksum'", "'sha' is not one of"]),
        ("hashed_directories = 'yes'\n", ["bad.conf:8: option 'hashed_directories'", "is not of type 'boolean'"]),
        ('filter_packages = [("^(Server$", {"*": ["foo"]})]\n', ["option 'filter_packages'", "not a valid regex"]),
        ('pkgset_koji_tag = "f40"\n', ["option 'pkgset_koji_tag': conflicts with pkgset_source = 'repos'"]),
        ('base_product_name = "Base"\n', ["option 'base_product_short': required when base_product_name = 'Base'"]),
        ("release_type = 'gamma'\n", ["option 'release_type'", "gamma"]),
        # Pungi 4.3.2: per variant, a method for every source is only "hybrid"
        ('gather_method = {"^.*$": "deps"}\n', ["option 'gather_method'"]),
        # Pungi 4.3.2: an scm dict's repo is a string ("" for scm 'file')
        ('extra_files = [("^.*$", {"*": [{"scm": "file", "repo": None, "file": "x"}]})]\n',
         ["option 'extra_files'", "None is not of type 'string'"]),
        ('comps_file = {"scm": "file", "repo": None, "file": "x"}\n', ["option 'comps_file'"]),
        # extra_files entries take no 'command' in Pungi 4.3.2
        ('extra_files = [("^.*$", {"*": [{"scm": "git", "repo": "https://x/y.git", "file": "a", "command": "make"}]})]\n',
         ["option 'extra_files'", "'command' was unexpected"]),
        # Pungi 4.3.2 closes these blocks: an unknown key is an error
        ('buildinstall_method = "lorax"\nlorax_options = [("^.*$", {"*": {"bogus": True}})]\n',
         ["option 'lorax_options'", "'bogus' was unexpected"]),
        ('live_media = {"^Server$": [{"name": "x", "kickstart": "x.ks", "bogus": 1}]}\n', ["option 'live_media'", "bogus"]),
        # a variant mapping's keys are regexes too (Pungi's gather and extra_isos fail on a bad one)
        ('gather_method = {"*": "hybrid"}\n', ["option 'gather_method'", "variant pattern '*' is not a valid regex"]),
        ('extra_isos = {"(": [{"include_variants": []}]}\n', ["option 'extra_isos'", "variant pattern '(' is not"]),
        ("comps_file = None\n", ["option 'comps_file'", "None"]),
        ('comps_file = {"scm": "git", "repo": "https://x/c.git", "file": "c.xml", "command": None}\n',
         ["option 'comps_file'"]),
        ('comps_file = {"scm": "git", "repo": "https://x/c.git", "file": ["a.xml"]}\n', ["option 'comps_file'"]),
        # Pungi 4.3.2 knows the runroot phases by name
        ("runroot_weights = {'*': 3}\n", ["option 'runroot_weights'", "'*' was unexpected"]),
        ("runroot_method = {'gather': 'koji'}\n", ["option 'runroot_method'"]),
        ('extra_files = [("^.*$", {"*": [{"scm": "file", "repo": "", "dir": ["a", "b"]}]})]\n', ["option 'extra_files'"]),
        # the dict form of ostree needs a repo in Pungi 4.3.2
        ('ostree = {"^Server$": {"treefile": "t.json", "config_url": "https://x/y.git", "ostree_repo": "/o"}}\n',
         ["option 'ostree'"]),
    ],
)
def test_bad_option_gives_one_line_naming_file_line_and_option(tmp_path, body, fragments):
    done = command("punji-config-validate", write_conf(tmp_path, body))
    assert_one_line_error(done, *fragments)


@pytest.mark.parametrize(
    "body, error",
    [
        # an option at its default conflicts with nothing; one with a default is never missing
        ("pkgset_koji_inherit = True\n", None),
        ("pkgset_koji_inherit = False\n", "option 'pkgset_koji_inherit': conflicts with pkgset_source = 'repos'"),
        ("cts_url = 'https://cts.example.com'\n", None),
        ("lorax_options = []\n", None),
        ("lorax_options = [('^.*$', {'*': {'noupgrade': True}})]\n",
         "option 'lorax_options': conflicts with buildinstall_method unset"),
        ("buildinstall_kickstart = 'ks.cfg'\n", "option 'buildinstall_kickstart': conflicts with buildinstall_method unset"),
        ("buildinstall_method = 'lorax'\nbuildinstall_kickstart = 'ks.cfg'\n", None),
        ("product_id_allow_missing = True\n", "option 'product_id_allow_missing': conflicts with product_id unset"),
        ("pkgset_scratch_modules = {}\n", None),
        # Pungi 4.3.2's PkgsetPhase.validate: scratch tasks need unsigned packages allowed
        ("sigkeys = ['deadbeef']\npkgset_koji_scratch_tasks = ['123']\n",
         "option 'pkgset_koji_scratch_tasks': scratch builds are unsigned"),
        ("sigkeys = ['deadbeef', None]\npkgset_koji_scratch_tasks = ['123']\n", None),
        # extra_isos' extra_files take several dirs (extra_files' take one)
        ("extra_isos = {'^Server$': [{'include_variants': [], 'extra_files': [{'scm': 'git', 'repo': 'https://x/y.git', "
         "'dir': ['a', 'b']}]}]}\n", None),
        # Pungi 4.3.2 checks only the source keys its regex ^module|comps|json$ finds
        ("gather_method = {'^.*$': {'comps': 'deps', 'other': 1}}\n", None),
        ("pkgset_scratch_modules = {'^Server$': ['m:1:2:c']}\n",
         "option 'mbs_api_url': required when pkgset_scratch_modules"),
    ],
)
def test_option_dependencies_as_pungi_checks_them(tmp_path, body, error):
    """Pungi 4.3.2's CONFIG_DEPS (pungi-config-validate): a condition on an option's value, then
    options it requires (unless they have a default) or conflicts with (unless at their default)."""
    done = command("punji-config-validate", write_conf(tmp_path, body))
    if error is None:
        assert done.returncode == 0, done.stderr
    else:
        assert_one_line_error(done, error)


def test_missing_required_option_in_pungis_order(tmp_path):
    """Pungi 4.3.2 (pungi-config-validate) lists release_name, release_short, release_version,
    variants_file, pkgset_source, gather_method for an empty config: the first is named."""
    path = tmp_path / "empty.conf"
    path.write_text("")
    assert_one_line_error(command("punji-config-validate", path), "empty.conf: option 'release_name': required option is missing")
    path.write_text('release_name = "X"\nrelease_short = "X"\nrelease_version = "1"\n')
    assert_one_line_error(command("punji-config-validate", path), "empty.conf: option 'variants_file': required")


@pytest.mark.parametrize("repos, error", [
    ('{"x86_64": "/r"}', "'x86_64' are a string"), ('{"*": "/r", "x86_64": ["/r"]}', "'*' are a string"),
    ('{"x86_64": ("/r",)}', "'x86_64' are a tuple"), ('{"x86_64": ("/r",), "aarch64": ("/r",), "*": ("/s",)}', None),
    ('{"x86_64": ["/r"], "ppc": "/r"}', None)])
def test_a_string_of_repositories_for_a_compose_arch_fails_as_in_pungi(tmp_path, repos, error):
    """Pungi 4.3.2 joins pkgset_repos[arch] and pkgset_repos["*"] with + for each compose arch:
    one string there, or a tuple beside a list, fails its compose (hand cases str-lists3,
    tup-repos); two tuples join; under an arch the compose does not have it is never read (str-other)."""
    path = write_conf(tmp_path, "")
    path.write_text(path.read_text().replace('pkgset_repos = {"x86_64": ["/r"]}', "pkgset_repos = %s" % repos))
    done = command("punji-config-validate", path)
    if error is None:
        assert done.returncode == 0, done.stderr
    else:
        assert_one_line_error(done, "bad.conf:6: option 'pkgset_repos'", error, "write it as a list")


@pytest.mark.parametrize("body", [
    'additional_packages = [("^Server$", {"*": ("a", "b")})]\n', 'multilib = [("^Nope$", {"x86_64": ("devel",)})]\n'])
def test_a_tuple_for_an_arch_of_a_variant_arch_mapping_fails_as_in_pungi(tmp_path, body):
    """Pungi 4.3.2 takes a tuple there as one item and its compose fails (hand cases tup-inner,
    tup-nomatch, tup-filter, tup-multilib, tup-lookaside, tup-extra); the mapping itself may be
    a tuple (tup-outer)."""
    assert_one_line_error(command("punji-config-validate", write_conf(tmp_path, body)), "bad.conf:8: option",
                          "is a tuple", "write it as a list")
    outer = body.replace("= [", "= (").replace("]\n", ",)\n").replace("(\"a\", \"b\")", "[\"a\"]")
    outer = outer.replace("(\"devel\",)", "[\"devel\"]")
    done = command("punji-config-validate", write_conf(tmp_path, outer))
    assert done.returncode == 0, (outer, done.stderr)


def test_variant_pattern_matching_nothing_is_a_warning(tmp_path):
    """Pungi 4.3.2 accepts patterns for variants the compose does not have (exit 0, no message):
    punji accepts them too, with a warning naming the pattern."""
    body = 'filter_packages = [("^Sever$", {"*": ["foo"]})]\ncreateiso_skip = [("^Nope$", {"*": True})]\n'
    done = command("punji-config-validate", write_conf(tmp_path, body))
    assert done.returncode == 0, done.stderr
    assert "bad.conf:8: option 'filter_packages': variant pattern '^Sever$' matches no variant" in done.stderr
    assert "option 'createiso_skip': variant pattern '^Nope$' matches no variant" in done.stderr


@pytest.mark.parametrize(
    "body, fragment",
    [
        ("release_type = = 'ga'\n", "bad.conf:8: invalid syntax"),
        ("createiso_skip = [(\n", "bad.conf"),
        ("x = undefined_name\n", "bad.conf:8: undefined variable"),
        ("from nowhere import *\n", "included file '%s' does not exist"),
    ],
)
def test_syntax_errors_name_the_file(tmp_path, body, fragment):
    path = write_conf(tmp_path, body)
    done = command("punji-config-validate", path)
    assert_one_line_error(done, fragment.replace("%s", str(tmp_path / "nowhere.conf")))


def test_syntax_error_in_include_names_the_include(tmp_path):
    (tmp_path / "inc.conf").write_text("a = 1\nb = [1 2 )\n")
    path = write_conf(tmp_path, "from inc import *\n")
    done = command("punji-config-validate", path)
    assert_one_line_error(done, "inc.conf:2")


def test_a_config_not_in_utf8_is_named_at_its_line(tmp_path):
    """A config saved in ISO-8859-1 (Pungi 4.3.2 stops with UnicodeDecodeError): the line of the
    first byte that is no UTF-8, in the file that has it (an include too), not a byte offset."""
    path = write_conf(tmp_path, "# caf\xe9\n")
    path.write_bytes(path.read_text().encode("latin-1"))
    assert_one_line_error(command("punji-config-validate", path), "bad.conf:8: not UTF-8 text (byte 0xe9")
    (tmp_path / "inc.conf").write_bytes('\nrelease_name = "D\xe9mo"\n'.encode("latin-1"))
    path = write_conf(tmp_path, "from inc import *\n")
    assert_one_line_error(command("punji-config-validate", path), "inc.conf:2: not UTF-8 text")


def test_an_include_that_is_a_directory_is_named_at_its_include_line(tmp_path):
    (tmp_path / "inc.conf").mkdir()
    path = write_conf(tmp_path, "from inc import *\n")
    assert_one_line_error(command("punji-config-validate", path),
                          "bad.conf:8: cannot read the included file '%s': Is a directory" % (tmp_path / "inc.conf"))


def test_importing_a_name_the_include_does_not_set_is_named_at_its_line(tmp_path):
    """`from common import NAME` where common.conf sets no NAME (Pungi 4.3.2: KeyError)."""
    (tmp_path / "inc.conf").write_text("hashed_directories = True\n")
    path = write_conf(tmp_path, "from inc import *\nfrom inc import no_such_option\n")
    assert_one_line_error(command("punji-config-validate", path),
                          "bad.conf:9: '%s' sets no no_such_option to import" % (tmp_path / "inc.conf"))


def test_missing_config_file(tmp_path):
    done = command("punji-config-validate", tmp_path / "nope.conf")
    assert_one_line_error(done, "nope.conf: config file does not exist")


def test_a_directory_given_as_the_config_is_named_so(tmp_path):
    done = command("punji-config-validate", tmp_path)
    assert_one_line_error(done, "%s: is a directory, not a config file" % tmp_path)


def test_typo_gets_a_suggestion(tmp_path):
    done = command("punji-config-validate", write_conf(tmp_path, "hashed_directory = True\n"))
    assert done.returncode == 0
    assert "unrecognized config option 'hashed_directory'. Did you mean 'hashed_directories'?" in done.stderr


def test_debug_shows_the_traceback(tmp_path):
    done = command("punji-config-validate", "--debug", write_conf(tmp_path, "hashed_directories = 3\n"))
    assert done.returncode == 1 and "Traceback" in done.stderr


def test_image_name_format_keeps_the_configs_order_and_the_first_match_wins(tmp_path):
    # Pungi 4.3.2 takes the first pattern matching in the config's order; the sorted JSON of the
    # slices put "Server" before "^Server$" (tools/fuzz-compose --repos --outputs, seed 15113)
    from punji_lib.config import lookup

    path = write_conf(tmp_path, 'image_name_format = {"^Server$": "first{suffix}", "Server": "second{suffix}"}\n')
    raw, files = reader.load(str(path))
    config = json.loads(jsonio.dumps(reader.validate(raw, str(path), files).config))
    assert lookup.image_name_format(config, "Server") == "first{suffix}"
    assert lookup.image_name_format(config, "Server-HA") == "second{suffix}"
    assert lookup.image_name_format(config, "Client") == lookup.DEFAULT_IMAGE_NAME_FORMAT


def test_normalized_config_has_defaults_and_absolute_paths(tmp_path):
    path = write_conf(tmp_path, "")
    raw, files = reader.load(str(path))
    result = reader.validate(raw, str(path), files)
    assert result.config["release_type"] == "ga"
    assert result.config["link_type"] == "hardlink-or-copy"
    assert result.config["variants_file"] == str(tmp_path / "variants.xml")
    # a round trip through JSON keeps it byte for byte
    text = json.dumps(result.config, sort_keys=True)
    assert json.dumps(json.loads(text), sort_keys=True) == text


def test_slices_put_each_option_in_its_phase():
    conf = {"release_name": "X", "gather_method": "deps", "link_type": "copy", "createiso_skip": [],
            "variants_file": "v.xml"}
    parts = reader.slices(conf)
    # release_* and link_type are read by every phase
    assert parts["gather"] == {"gather_method": "deps", "link_type": "copy", "release_name": "X"}
    assert parts["init"] == {"release_name": "X", "link_type": "copy", "variants_file": "v.xml"}
    assert "gather_method" not in parts["createiso"]


def test_one_checksum_file_needs_one_checksum_type(tmp_path):
    conf = write_conf(tmp_path, 'media_checksum_one_file = True\nmedia_checksums = ["md5", "sha256"]\n', "one.conf")
    done = command("punji-config-validate", conf)
    assert_one_line_error(done, "one.conf:", "option 'media_checksums'", "media_checksum_one_file")


@pytest.mark.parametrize(
    "body, error",
    [
        ("buildinstall_method = 'lorax'\n", "option 'ostree_installer': an installer for Server.x86_64 would clash"),
        ("buildinstall_method = 'lorax'\nostree_installer_overwrite = True\n", None),
        ("buildinstall_method = 'lorax'\nskip_phases = ['buildinstall']\n", None),
        ("", None),
    ],
)
def test_ostree_installer_beside_buildinstall_as_pungi_validates_it(tmp_path, body, error):
    """Pungi 4.3.2's OstreeInstallerPhase.validate: with buildinstall running, any variant.arch
    that gets an ostree installer is an error unless ostree_installer_overwrite is set."""
    installer = "ostree_installer = [('^Server$', {'x86_64': {'repo': 'Everything'}})]\n"
    done = command("punji-config-validate", write_conf(tmp_path, installer + body))
    if error is None:
        assert done.returncode == 0, done.stderr
    else:
        assert_one_line_error(done, "bad.conf:8: " + error, "ostree_installer_overwrite")


def test_value_pungi_accepts_but_punji_cannot_act_on_is_a_warning(tmp_path):
    """Pungi 4.3.2's schema takes buildinstall_method 'buildinstall' (pungi-config-validate exits 0):
    punji accepts the config and warns that its buildinstall phase will refuse it."""
    done = command("punji-config-validate", write_conf(tmp_path, "buildinstall_method = 'buildinstall'\n"))
    assert done.returncode == 0, done.stderr
    assert "bad.conf:8: option 'buildinstall_method': 'buildinstall' (anaconda's old script) is not supported" in done.stderr


def test_older_ostree_form_by_arch_needs_no_repo(tmp_path):
    """Pungi 4.3.2 requires 'repo' in the {variant: block} form of ostree only, not in the older
    [(variant, {arch: block})] one."""
    body = "ostree = [('^Server$', {'x86_64': {'treefile': 't.json', 'config_url': 'https://x/y.git', 'ostree_repo': '/o'}})]\n"
    done = command("punji-config-validate", write_conf(tmp_path, body))
    assert done.returncode == 0, done.stderr
    assert "ostree" not in done.stderr  # not even a warning


def test_kobo_error_after_a_hyphenated_include_names_its_own_line(tmp_path):
    """kobo reads `from common-x import *` (no Python: the '-'), as Pungi's real configs write it;
    a statement kobo refuses later in the including file is named there, not in the include."""
    (tmp_path / "common-x.conf").write_text('release_name = "X"\n')
    path = tmp_path / "main.conf"
    path.write_text("from common-x import *\nrelease_short = 'X'\ndel release_name\n")
    assert_one_line_error(command("punji-config-validate", path), "main.conf:3:", "python keyword: del")
    (tmp_path / "common-x.conf").write_text('release_name = "X"\ndel release_name\n')
    path.write_text("from common-x import *\nrelease_short = 'X'\n")
    assert_one_line_error(command("punji-config-validate", path), "common-x.conf:2:", "python keyword: del")


def test_include_from_a_subfolder_names_where_kobo_stops(tmp_path):
    """kobo joins every token of `from parts/media import *` into the file name, as a Rocky-style
    config writes its includes; Pungi 4.3.2 stops at the first statement kobo refuses, in the
    include, past a missing comma between two entries that kobo lets through (Python would not)."""
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "media.conf").write_text(
        'media_meta = {\n    "size": "4"\n    "label": "x"\n}\nwanted = [?]\n')
    path = write_conf(tmp_path, "from parts/media import *\n")
    assert_one_line_error(command("punji-config-validate", path), "media.conf:5: invalid syntax")
    path = write_conf(tmp_path, "from parts/absent import *\n")
    assert_one_line_error(command("punji-config-validate", path),
                          "bad.conf:8: included file '%s' does not exist" % (tmp_path / "parts" / "absent.conf"))


@pytest.mark.parametrize("deltas", ["True", "[('^Server$', {'x86_64': False})]"])
def test_deltas_need_old_composes_as_pungi_validates_them(tmp_path, deltas):
    """Pungi 4.3.2's createrepo validation: createrepo_deltas (true, or any variant/arch mapping)
    needs an old compose, given by --old-composes, unless the createrepo phase is skipped."""
    path = write_conf(tmp_path, "createrepo_deltas = %s\n" % deltas)
    assert_one_line_error(command("punji-config-validate", path), "bad.conf:8: option 'createrepo_deltas'",
                          "--old-composes")
    done = command("punji-config-validate", "--old-composes", path)
    assert done.returncode == 0, done.stderr
    path = write_conf(tmp_path, "createrepo_deltas = %s\nskip_phases = ['createrepo']\n" % deltas)
    done = command("punji-config-validate", path)
    assert done.returncode == 0, done.stderr


def test_gather_method_needs_a_pattern_only_for_the_variants_composed(tmp_path):
    """Pungi 4.3.2 looks a variant's gather_method up when it gathers it: a variant tree_variants
    leaves out needs none."""
    body = "tree_variants = ['Server']\ngather_method = {'^Server': {'comps': 'deps'}}\n"
    done = command("punji-config-validate", write_conf(tmp_path, body))
    assert done.returncode == 0, done.stderr
    done = command("punji-config-validate", write_conf(tmp_path, "gather_method = {'^Server': {'comps': 'deps'}}\n"))
    assert_one_line_error(done, "option 'gather_method': no pattern matches variant Workstation")


@pytest.mark.parametrize("compose_type, tasks", [("production", "['123']"), ("nightly", "[]")])
def test_scratch_tasks_outside_a_test_compose_are_refused_before_it_is_made_as_pungi_does(tmp_path, compose_type,
                                                                                          tasks):
    # pungi-koji 4.3.2 aborts when the option is set at all, before making a compose directory
    # (found by tools/fuzz-compose-koji)
    conf = write_conf(tmp_path, "pkgset_koji_scratch_tasks = %s\n" % tasks)
    done = command("punji-init", conf, "--target-dir", tmp_path / "composes", "--" + compose_type)
    assert_one_line_error(done, "bad.conf:8: option 'pkgset_koji_scratch_tasks'", "not in a %s compose" % compose_type)
    assert not os.path.exists(tmp_path / "composes")
    assert command("punji-init", conf, "--target-dir", tmp_path / "composes", "--test").returncode == 0


def test_scratch_tasks_outside_a_test_compose_are_refused_before_the_config_is_validated_as_pungi_does(tmp_path):
    # pungi-koji 4.3.2 checks the compose type before it validates the config: a nightly compose's
    # scratch tasks with sigkeys allowing no unsigned package are refused for the compose type
    # (found by tools/fuzz-compose-koji --seed 3019)
    conf = write_conf(tmp_path, "sigkeys = ['deadbeef']\npkgset_koji_scratch_tasks = ['123']\n")
    done = command("punji-init", conf, "--target-dir", tmp_path / "composes", "--nightly")
    assert_one_line_error(done, "bad.conf:9: option 'pkgset_koji_scratch_tasks'", "not in a nightly compose")
    done = command("punji-init", conf, "--target-dir", tmp_path / "composes", "--test")
    assert_one_line_error(done, "bad.conf:9: option 'pkgset_koji_scratch_tasks'", "scratch builds are unsigned")


def test_scratch_tasks_added_to_the_config_of_a_nightly_compose_are_refused(tmp_path):
    conf = write_conf(tmp_path, "")
    compose = command("punji-init", conf, "--target-dir", tmp_path / "composes", "--nightly",
                      check=True).stdout.strip()
    with open(conf, "a") as f:
        f.write("pkgset_koji_scratch_tasks = ['123']\n")
    assert_one_line_error(command("punji-init", "--refresh", compose), "bad.conf:8: option 'pkgset_koji_scratch_tasks'",
                          "not in a nightly compose")


@pytest.mark.parametrize("value", ["True", "False"])
def test_productimg_is_a_removed_option_as_in_pungi(tmp_path, value):
    """Rocky Linux 8's real configs (r8.conf and others) set productimg: Pungi 4.3.2 has no
    productimg phase any more and only warns, whatever the value, and knows none of its
    productimg_* options; so does punji, which makes no product.img either."""
    done = command("punji-config-validate", write_conf(
        tmp_path, "productimg = %s\nproductimg_install_class = {'scm': 'file', 'dir': 'x'}\n" % value))
    assert done.returncode == 0, done.stderr
    assert "option 'productimg' is deprecated: remove it. Productimg phase has been removed" in done.stderr
    assert "unrecognized config option 'productimg_install_class'" in done.stderr, done.stderr


def test_rocky_linux_8_real_config_with_includes_in_a_folder_is_valid():
    """Rocky Linux 8's r8.conf (tests/data/configs/shapes/rocky.conf, trimmed): includes by a
    path with a folder, 'version' (unknown to Pungi 4.3.2), bootable and productimg set false
    (removed: warned of whatever their value): valid, as Pungi 4.3.2 takes it once its warnings are heeded, with those warnings."""
    done = command("punji-config-validate", os.path.join(CONFIGS, "shapes", "rocky.conf"))
    assert done.returncode == 0, done.stderr
    assert "unrecognized config option 'version'" in done.stderr
    assert "option 'bootable' is deprecated" in done.stderr
    assert "option 'productimg' is deprecated" in done.stderr
