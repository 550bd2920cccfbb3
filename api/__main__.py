from flyte_entrypoint.shell.cli import group_main

group_main()
