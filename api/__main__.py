from flyte_entrypoint.shell.tools.app import module_main

module_main()
