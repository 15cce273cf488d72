# osbs: the container images of osbs, built by OSBS through Koji tasks (all
# blocks at once), recorded in compose/metadata/osbs.json. Needs the compose's
# binary repositories; runs beside createiso.
# needs: osbs
# scope: global
@STATE@: work/global/config/osbs.json $(filter-out work/src/%,$(CREATEREPO_STATES)) $(BUILDINSTALL_STATES)
	$(PUNJI_BIN)/punji-osbs .
