"""Every command the CLI offers is documented in the README (and nothing documented is missing)."""
from pathlib import Path

import typer.main

from tidewatch.cli import app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _commands():
    group = typer.main.get_command(app)
    return sorted(group.commands)


def test_every_command_is_in_the_readme():
    missing = [c for c in _commands() if f"`tidewatch {c}" not in README]
    assert not missing, f"commands not documented in README.md: {missing}"
