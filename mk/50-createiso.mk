# createiso: the ISO images of one variant.arch tree (split when too big,
# bootable when buildinstall put boot files in the tree), once the repos of
# its addons (inside the tree: os/addons/<id>) are made too, and their extra files.
# scope: variant-arch
@STATE@: work/global/config/createiso.json work/global/config/runroot.json work/@ARCH@/state/createrepo-@VARIANT@.json $(filter work/@ARCH@/state/createrepo-@VARIANT@-%,$(CREATEREPO_STATES)) $(filter work/@ARCH@/state/extrafiles-@VARIANT@.json work/@ARCH@/state/extrafiles-@VARIANT@-%,$(EXTRAFILES_STATES)) $(filter work/@ARCH@/state/buildinstall-@VARIANT@.json,$(BUILDINSTALL_STATES)) @NAMESAKES@
	$(PUNJI_BIN)/punji-createiso --variant @VARIANT@ --arch @ARCH@ .
