import MigrateCLI

MigrateCommand.main()
