# createiso of a variant's source tree.
# phase: createiso
# scope: variant-src
@STATE@: work/global/config/createiso.json work/src/state/createrepo-@VARIANT@.json
	$(PUNJI_BIN)/punji-createiso --variant @VARIANT@ --arch src .
