# productimg: product.img (.buildstamp from the release package, the install
# class) in one variant.arch's os tree after buildinstall, before createrepo
# lists it in .treeinfo.
# needs: productimg
# scope: variant-arch
@STATE@: work/global/config/productimg.json work/global/variants.json work/@ARCH@/state/pkgset.json work/global/state/gather.json $(filter work/@ARCH@/state/buildinstall-@VARIANT@.json,$(BUILDINSTALL_STATES))
	$(PUNJI_BIN)/punji-productimg --variant @VARIANT@ --arch @ARCH@ .
