"""The comps shapes tools/fuzz-compose --comps draws: what libcomps reads with remarks or leaves
unread and Pungi 4.3.2 composes with (a group without a description, a second or empty name or
description, unknown attributes, a requirement without a type, booleans libcomps does not read,
langonly, biarchonly and display_order of groups, an environment or category without a name or
description), translations, characters XML escapes in text, default option groups of
environments, requirements listed twice and the groups in another order.

They come from an RNG of their own (seeded from the case's seed), applied to the comps the case
draws, so the seed's other inputs stay the same. Left out, as Pungi fails on them: a missing or
empty id or requirement, a requirement type libcomps does not know, blanks around a package name,
and empty uservisible, display_order and biarchonly elements, on which libcomps 0.1.19 crashes;
and elements out of place, which Pungi composes without and punji refuses
(tests/data/bad/comps-unknown-element).
"""

import xml.etree.ElementTree as ET

LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TEXTS = ('Tools "extra"', "Tools & more", "a <b> c", "it's", "Ünïcode ×", "  padded  ", "Tab\there")
LANGS = ("de", "fr", "pt_BR", "ja", "zh_CN")
BOOLEANS = ("true", "false", "True", "1", "no", "yes", " true ")


def decorate(rng, comps):
    """Change the comps element COMPS in place."""
    for group in comps.findall("group"):
        if rng.random() < 0.4:
            decorate_group(rng, group)
    for element in comps.findall("category") + comps.findall("environment"):
        if rng.random() < 0.3:
            decorate_texts(rng, element)
        if element.tag == "environment" and rng.random() < 0.3:
            for groupid in element.findall("optionlist/groupid"):
                if rng.random() < 0.5:
                    groupid.set("default", rng.choice(("true", "false")))
    if rng.random() < 0.2:
        groups = comps.findall("group")
        for group in groups:
            comps.remove(group)
        rng.shuffle(groups)
        for i, group in enumerate(groups):
            comps.insert(i, group)


def decorate_group(rng, group):
    decorate_texts(rng, group)
    for tag in ("default", "uservisible"):
        node = group.find(tag)
        roll = rng.random()
        if node is not None and roll < 0.15:
            group.remove(node)
        elif node is not None and roll < 0.3:
            node.text = rng.choice(BOOLEANS)
    for tag, values in (("langonly", LANGS), ("biarchonly", ("true", "false")), ("display_order", ("1", "7", "42"))):
        if rng.random() < 0.12:
            ET.SubElement(group, tag).text = rng.choice(values)
    packagelist = group.find("packagelist")
    if packagelist is None:
        return
    reqs = list(packagelist)
    for req in reqs:
        roll = rng.random()
        if roll < 0.05:
            req.attrib.pop("type", None)
            req.attrib.pop("requires", None)
        elif roll < 0.1:
            req.set("basearchonly", rng.choice(("true", "false")))
        elif roll < 0.13:
            req.set("fuzz", "unknown attribute")
    if reqs and rng.random() < 0.15:
        twin = ET.SubElement(packagelist, "packagereq", type=rng.choice(("mandatory", "default", "optional")))
        twin.text = rng.choice(reqs).text


def decorate_texts(rng, element):
    """Names and descriptions: gone, empty, twice, odd characters, translations."""
    for tag in ("name", "description"):
        plain = [n for n in element.findall(tag) if LANG not in n.attrib]
        roll = rng.random()
        if roll < 0.08:
            for node in element.findall(tag):
                element.remove(node)
            continue
        if roll < 0.14 and plain:
            plain[0].text = None
        elif roll < 0.3 and plain:
            plain[0].text = rng.choice(TEXTS)
        elif roll < 0.36 and plain:
            second = ET.Element(tag)
            second.text = rng.choice(TEXTS)
            element.insert(list(element).index(plain[0]) + 1, second)
        if rng.random() < 0.25:
            at = list(element).index(plain[-1]) + 1 if plain else 1
            for lang in rng.sample(LANGS, rng.randint(1, 3)):
                node = ET.Element(tag, {LANG: lang})
                node.text = "%s (%s)" % (rng.choice(TEXTS), lang)
                element.insert(at, node)
