# prelink: when an old compose's trees are likely to be taken over (the same
# package sets), they are hard-linked into work/global/prelink while the
# package sets are read; gather --assemble puts them in place. punji's own
# step, no Pungi phase: skip_phases leaves it out with gather.
# scope: global
@STATE@: work/global/config/gather.json work/global/config/pkgset.json work/global/variants.json
	$(PUNJI_BIN)/punji-prelink .
