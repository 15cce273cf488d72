# createrepo: repodata of one variant.arch's os and debug trees (the variant's
# filtered comps as group file), its .treeinfo and .discinfo.
# scope: variant-arch
@STATE@: work/global/config/createrepo.json work/global/state/gather.json $(wildcard work/@ARCH@/comps/comps-@VARIANT@.@ARCH@.xml) $(filter work/@ARCH@/state/buildinstall-@VARIANT@.json,$(BUILDINSTALL_STATES))
	$(PUNJI_BIN)/punji-createrepo --variant @VARIANT@ --arch @ARCH@ .
