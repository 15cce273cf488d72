"""compose/metadata/rpms.json of a nightly patched from the old compose's text (issue 12): the
text of every source package whose entries did not change is the old file's, the others are
rendered, and the whole is the text rendered whole."""

from punji_lib.compose import jsonio, rpms_json


def _entry(path, category="binary", sigkey=None):
    return {"category": category, "path": path, "sigkey": sigkey}


def _document(rpms):
    return {"header": {"type": "productmd.rpms", "version": "1.2"},
            "payload": {"compose": {"date": "20261207", "id": "X-1-20261207.n.0", "respin": 0, "type": "nightly"},
                        "rpms": rpms}}


def _text(rpms):
    return jsonio.pretty(_document(rpms), indent=4, ensure_ascii=True)


OLD = {
    "Everything": {
        "x86_64": {
            "a-0:1-1.src": {"a-0:1-1.src": _entry("E/source/tree/Packages/a/a-1-1.src.rpm", "source"),
                            "a-0:1-1.noarch": _entry("E/x86_64/os/Packages/a/a-1-1.noarch.rpm")},
            "b-0:1-1.src": {"b-0:1-1.x86_64": _entry("E/x86_64/os/Packages/b/b-1-1.x86_64.rpm", sigkey="abc")},
            'q"uote\u00e9-0:1-1.src': {'q"uote\u00e9-0:1-1.noarch': _entry("E/x86_64/os/Packages/q/q.rpm")},
            "z-0:1-1.src": {"z-0:1-1.noarch": _entry("E/x86_64/os/Packages/z/z-1-1.noarch.rpm")},
        },
    },
    "Server": {"x86_64": {"b-0:1-1.src": {"b-0:1-1.x86_64": _entry("S/x86_64/os/Packages/b/b-1-1.x86_64.rpm")}}},
}


def _patched(new):
    old_text = _text(OLD)
    start = old_text.index('"rpms": ') + len('"rpms": ')
    return rpms_json.patched_rpms(old_text, start, OLD, new)


def test_an_unchanged_payload_is_the_old_text():
    text, kept = _patched(OLD)
    assert _text(OLD).endswith(text + "\n    }\n}") and kept == 5


def test_changed_added_and_removed_source_packages_give_the_text_rendered_whole():
    import copy

    new = copy.deepcopy(OLD)
    new["Everything"]["x86_64"]["a-0:1-1.src"]["a-0:1-1.noarch"]["path"] = "E/x86_64/os/Packages/a/a-1-2.noarch.rpm"
    del new["Everything"]["x86_64"]["z-0:1-1.src"]
    new["Everything"]["x86_64"]["c\u00e9-0:2-1.src"] = {"c\u00e9-0:2-1.noarch": _entry("E/x86_64/os/c.rpm")}
    new["Server"]["ppc64le"] = {"b-0:1-1.src": {"b-0:1-1.ppc64le": _entry("S/ppc64le/os/b.rpm")}}
    new["Client"] = {}
    text, kept = _patched(new)
    whole = _text(new)
    assert whole[whole.index('"rpms": ') + len('"rpms": '):] == text + "\n    }\n}"
    assert kept == 3


def test_a_text_not_laid_out_as_rendered_is_not_patched():
    old_text = _text(OLD).replace('\n                    "b-0:1-1.src": {', '\n                  "b-0:1-1.src": {', 1)
    start = old_text.index('"rpms": ') + len('"rpms": ')
    assert rpms_json.patched_rpms(old_text, start, OLD, OLD) is None
