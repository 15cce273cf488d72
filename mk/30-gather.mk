# gather: the packages of one variant.arch (work/<arch>/gather/<variant>.json),
# linked into its os/ and debug/ trees. An addon, optional variant or layered
# product runs after the variants it builds on (@BUILDS_ON@), a variant after
# its variant_as_lookaside variants on every arch (@LOOKASIDE_VARIANTS@).
# scope: variant-arch
@STATE@: work/global/config/gather.json work/global/variants.json work/@ARCH@/state/pkgset.json $(wildcard work/@ARCH@/comps/comps-@VARIANT@.@ARCH@.xml) @BUILDS_ON@ @LOOKASIDE_VARIANTS@
	$(PUNJI_BIN)/punji-gather --variant @VARIANT@ --arch @ARCH@ .
