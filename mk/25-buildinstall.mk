# buildinstall: lorax's installer images of one variant.arch (buildinstall_method
# "lorax"), put into its os tree (images/, isolinux/, EFI/) for createrepo's
# .treeinfo and bootable DVDs.
# needs: buildinstall_method
# scope: variant-arch
@STATE@: work/global/config/buildinstall.json work/global/config/runroot.json work/global/config/createiso.json work/global/variants.json work/@ARCH@/state/pkgset.json
	$(PUNJI_BIN)/punji-buildinstall --variant @VARIANT@ --arch @ARCH@ .
