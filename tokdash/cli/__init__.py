"""The command line: one module per subcommand, assembled by `tokdash.cli.main`."""
