# repoclosure: the requires nothing provides in one variant.arch's os repository,
# with its parent's repository as lookaside. Runs beside the image phases.
# scope: variant-arch
@STATE@: work/global/config/repoclosure.json work/global/variants.json $(filter-out work/src/%,$(CREATEREPO_STATES))
	$(PUNJI_BIN)/punji-repoclosure --variant @VARIANT@ --arch @ARCH@ .
