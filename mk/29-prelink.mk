# prelink: an old compose's trees are hard-linked into work/global/prelink
# while the package sets are read; gather --assemble puts them in place (taken
# over whole, or with the files that changed linked anew). punji's own
# step, no Pungi phase: skip_phases leaves it out with gather.
# scope: global
@STATE@: work/global/config/gather.json work/global/config/pkgset.json work/global/variants.json
	$(PUNJI_BIN)/punji-prelink .
