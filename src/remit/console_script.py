"""The `remit` command's entry point. Render processes are spawned, and a spawned process
imports the script that started its parent: this module, not the CLI, keeps each of them from
loading the whole of Remit (a quarter of a render process's memory) only to render PDFs."""


def main() -> None:
    from remit.cli import main as run

    run()
