# ostree: the OSTree commits of ostree (rpm-ostree through runroot, all blocks at once) into
# ostree repos outside the compose; compose/metadata/ostree.json. Needs the compose's binary
# repositories (a block's repo may name a variant).
# needs: ostree
# scope: global
@STATE@: work/global/config/ostree.json work/global/config/runroot.json work/global/variants.json $(filter-out work/src/%,$(CREATEREPO_STATES))
	$(PUNJI_BIN)/punji-ostree .
