# kiwibuild: the images of kiwibuild, built by Koji's kiwi plugin (all blocks at once), put
# into compose/<variant>/<arch>/images (ISOs: iso). Needs the compose's binary repositories
# (and buildinstall's install trees); after createiso of the trees, which makes their iso/
# directories anew (beside the other image phases).
# needs: kiwibuild
# scope: global
@STATE@: work/global/config/kiwibuild.json $(filter-out work/src/%,$(CREATEREPO_STATES)) $(BUILDINSTALL_STATES) $(filter-out work/global/% work/src/%,$(CREATEISO_STATES))
	$(PUNJI_BIN)/punji-kiwibuild .
