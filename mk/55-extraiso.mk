# extraiso: the extra ISOs (extra_isos) of one variant.arch: the variant's
# packages with those of the variants it includes (any of them), beside its
# createiso images.
# needs: extra_isos
# scope: variant-arch
@STATE@: work/global/config/createiso.json work/global/config/imagechecksum.json $(CREATEREPO_STATES) $(EXTRAFILES_STATES) $(filter work/@ARCH@/state/createiso-@VARIANT@.json,$(CREATEISO_STATES)) $(filter work/@ARCH@/state/buildinstall-@VARIANT@.json,$(BUILDINSTALL_STATES))
	$(PUNJI_BIN)/punji-extraiso --variant @VARIANT@ --arch @ARCH@ .
