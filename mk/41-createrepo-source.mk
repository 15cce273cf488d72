# createrepo of a variant's source tree, once gather has linked it.
# phase: createrepo
# scope: variant-src
@STATE@: work/global/config/createrepo.json work/global/state/gather.json
	$(PUNJI_BIN)/punji-createrepo --variant @VARIANT@ --arch src .
