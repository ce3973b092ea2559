import MigrateCLI

MigrateCommand.runMain()
