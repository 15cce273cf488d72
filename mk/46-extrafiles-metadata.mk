# extrafiles, last step: compose/metadata/extra_files.json.
# phase: extrafiles
# needs: extra_files
# scope: global
@STATE@: $(filter-out @STATE@,$(EXTRAFILES_STATES))
	$(PUNJI_BIN)/punji-extrafiles --assemble .
