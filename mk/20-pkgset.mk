# pkgset: the package set of one arch (work/<arch>/pkgset/packages.json) and a
# yum repo over it (work/<arch>/repo).
# scope: arch
@STATE@: work/global/config/pkgset.json work/global/variants.json
	$(PUNJI_BIN)/punji-pkgset --arch @ARCH@ .
