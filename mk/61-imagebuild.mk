# imagebuild: the images of image_build, built by Koji tasks (all blocks at once),
# put into compose/<variant>/<arch>/images. Needs the compose's binary repositories
# (and buildinstall's boot files in the install trees); runs beside createiso.
# needs: image_build
# scope: global
@STATE@: work/global/config/imagebuild.json $(filter-out work/src/%,$(CREATEREPO_STATES)) $(BUILDINSTALL_STATES)
	$(PUNJI_BIN)/punji-imagebuild .
