"""Subcommands for AOT bundles (build, run, inspect); see ``_bundle``."""

COMMANDS: dict = {}
