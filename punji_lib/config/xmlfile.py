"""An input XML file (comps, variants) parsed as Pungi's lxml parses it: internal entities
replaced by their text; a reference to an external entity refused, as Pungi's parser loads no
DTD and fails on it ("Entity ... not defined") and reading one would put a host's file into
the compose."""

from ..errors import PunjiError


def parse(path, **options):
    """The lxml tree of PATH (lxml.etree.XMLParser OPTIONS, but entities); XMLSyntaxError for
    XML that is not well-formed, one PunjiError line for an external entity it uses."""
    from lxml import etree

    tree = etree.parse(path, etree.XMLParser(resolve_entities=False, no_network=True, **options))
    dtd = tree.docinfo.internalDTD
    declared = {e.name: e for e in dtd.iterentities()} if dtd is not None else {}
    if not declared:
        return tree
    external = {name for name, e in declared.items() if e.content is None}
    unreadable = external | {name for name, e in declared.items()
                             if e.content is not None and any("&%s;" % x in e.orig for x in external)}
    for reference in tree.iter(etree.Entity):
        if reference.name in unreadable:
            raise PunjiError("%s:%d: entity '%s' is (or names) an external entity, which Pungi cannot read"
                             % (path, reference.sourceline, reference.name))
    return etree.parse(path, etree.XMLParser(resolve_entities=True, no_network=True, **options))
