"""Images: ISOs, their names and volume ids, what goes on them, .treeinfo, lorax, extra files."""
