# imagecontainer: containers embedding an image of the compose (image_container), built by OSBS
# through Koji tasks (all blocks at once), recorded in compose/metadata/osbs.json. Picks its
# images from images.json, so it comes after imagechecksum (and createiso --assemble).
# needs: image_container
# scope: global
@STATE@: work/global/config/imagecontainer.json $(filter work/global/state/createiso.json,$(CREATEISO_STATES)) $(IMAGECHECKSUM_STATES)
	$(PUNJI_BIN)/punji-imagecontainer .
