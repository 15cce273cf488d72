# imagechecksum: CHECKSUM files beside the images, checksums in images.json.
# scope: global
@STATE@: work/global/config/imagechecksum.json $(filter work/global/state/createiso.json,$(CREATEISO_STATES))
	$(PUNJI_BIN)/punji-imagechecksum .
