# ostreeinstaller: lorax installers embedding an ostree (ostree_installer, through runroot),
# their boot.iso put into compose/<variant>/<arch>/iso. Needs the compose's binary repositories
# and the package set repos; after createiso of the trees, which makes their iso/ directories anew.
# needs: ostree_installer
# scope: global
@STATE@: work/global/config/ostreeinstaller.json work/global/config/buildinstall.json work/global/config/createiso.json work/global/config/runroot.json work/global/variants.json $(filter-out work/src/%,$(CREATEREPO_STATES)) $(filter-out work/global/% work/src/%,$(CREATEISO_STATES))
	$(PUNJI_BIN)/punji-ostreeinstaller .
