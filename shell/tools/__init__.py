"""``flyte-entrypoint``: tools for people — show, make, explain, run and replay task executions.

Nothing here is imported on the ``pyflyte-execute`` start-up path: the console scripts go through
``shell/cli.py`` alone, and ``python -m flyte_entrypoint pyflyte-*`` dispatches before any tool module loads.
"""
