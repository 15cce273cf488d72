# extrafiles of a variant's source tree: the extra_files entries keyed "src" ("*" is not
# src), copied into compose/<variant>/source/tree (an addon's into its parent's).
# phase: extrafiles
# needs: extra_files
# scope: variant-src
@STATE@: work/global/config/extrafiles.json work/global/config/imagechecksum.json work/global/variants.json @TREE_BEFORE@
	$(PUNJI_BIN)/punji-extrafiles --variant @VARIANT@ --arch src .
