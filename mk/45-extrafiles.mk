# extrafiles: the extra_files of one variant.arch copied into its os tree
# (files of packages come from the arch's package set); an addon's go into its
# parent's tree, after those of the variants writing there before it.
# needs: extra_files
# scope: variant-arch
@STATE@: work/global/config/extrafiles.json work/global/config/imagechecksum.json work/global/variants.json work/@ARCH@/state/pkgset.json @TREE_BEFORE@
	$(PUNJI_BIN)/punji-extrafiles --variant @VARIANT@ --arch @ARCH@ .
