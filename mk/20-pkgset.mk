# pkgset: the package set of one arch (work/<arch>/pkgset/packages.json) and a
# yum repo over it (work/<arch>/repo). A local repo whose metadata changes
# (@REPO_FILES@: its repomd.xml) makes it out of date.
# scope: arch
@STATE@: work/global/config/pkgset.json work/global/config/gather.json work/global/variants.json $(wildcard work/*/comps/comps.*.xml) @REPO_FILES@
	$(PUNJI_BIN)/punji-pkgset --arch @ARCH@ .
