# osbuild: the images of osbuild, built by Koji osbuildImage tasks (all blocks at
# once), put into compose/<variant>/<arch>/images (ISOs: iso). Needs the compose's
# binary repositories (and buildinstall's install trees); after createiso of the
# trees, which makes their iso/ directories anew (beside the other image phases).
# needs: osbuild
# scope: global
@STATE@: work/global/config/osbuild.json $(filter-out work/src/%,$(CREATEREPO_STATES)) $(BUILDINSTALL_STATES) $(filter-out work/global/% work/src/%,$(CREATEISO_STATES))
	$(PUNJI_BIN)/punji-osbuild .
