"""Payment-provider plugins (pluggy, project name `remit`): the hookspecs, the plugin manager
and the built-in providers. Imports nothing of graph/ or web/."""
