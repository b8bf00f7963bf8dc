"""``python -m dynotrace``: the same as the ``dynotrace`` command."""

from dynotrace.cli.main import main

if __name__ == "__main__":
    main(prog_name="dynotrace")
