# createiso, last step: compose/metadata/images.json from every tree's images.
# phase: createiso
# scope: global
@STATE@: $(filter-out @STATE@,$(CREATEISO_STATES)) $(EXTRAISO_STATES) $(IMAGEBUILD_STATES) $(LIVEMEDIA_STATES) $(OSBS_STATES) $(LIVEIMAGES_STATES) $(OSTREEINSTALLER_STATES) $(KIWIBUILD_STATES) $(IMAGEBUILDER_STATES) $(OSBUILD_STATES) $(OSTREECONTAINER_STATES)
	$(PUNJI_BIN)/punji-createiso --assemble .
