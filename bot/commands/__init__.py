"""Command-line sub-commands of `python -m bot`; each module registers itself in bot.cli.COMMAND_MODULES."""
