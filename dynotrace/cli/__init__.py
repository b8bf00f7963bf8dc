"""The ``dynotrace`` command: each command parses its options (shared ones in ``common``),
calls ``dynotrace.api`` and maps errors to exit codes."""
