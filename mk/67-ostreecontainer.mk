# ostreecontainer: the ostree native containers of ostree_container (rpm-ostree compose image
# through runroot, all blocks at once), their OCI archives put into compose/<variant>/<arch>/images.
# Needs the compose's binary repositories (a block's repo may name a variant).
# needs: ostree_container
# scope: global
@STATE@: work/global/config/ostreecontainer.json work/global/config/runroot.json work/global/variants.json $(filter-out work/src/%,$(CREATEREPO_STATES))
	$(PUNJI_BIN)/punji-ostreecontainer .
