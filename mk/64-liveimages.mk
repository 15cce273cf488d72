# liveimages: the live CDs and appliances of live_images, built by Koji tasks (all blocks at
# once), put into compose/<variant>/<arch>/iso (appliances: images). Needs the compose's binary
# repositories (and buildinstall's install trees); after createiso of the
# trees, which makes their iso/ directories anew (beside the other image phases).
# needs: live_images
# scope: global
@STATE@: work/global/config/liveimages.json $(filter-out work/src/%,$(CREATEREPO_STATES)) $(BUILDINSTALL_STATES) $(filter-out work/global/% work/src/%,$(CREATEISO_STATES))
	$(PUNJI_BIN)/punji-liveimages .
