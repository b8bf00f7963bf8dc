"""Everything that sets two things side by side: two reports (``diff``), two jobs
(``jobs``), the ranks of one job (``divergence``), and the gate that turns a comparison and
budgets into a verdict (``policy``, ``gate``), for ``diff``, ``check``, the Python API and
the pytest plugin alike."""
