# extrafiles: the extra_files of one variant.arch copied into its os tree
# (files of packages come from the arch's package set).
# needs: extra_files
# scope: variant-arch
@STATE@: work/global/config/extrafiles.json work/global/config/imagechecksum.json work/global/variants.json work/@ARCH@/state/pkgset.json
	$(PUNJI_BIN)/punji-extrafiles --variant @VARIANT@ --arch @ARCH@ .
