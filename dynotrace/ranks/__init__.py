"""Distributed jobs: one report for all the ranks of a job, and how the ranks differ.

* ``launcher``: which rank this process is, from the environment torchrun (or any launcher
  that sets ``RANK``/``WORLD_SIZE``) gives it.
* ``exchange``: how the ranks' captures meet (torchrun's agent store, else files).
* ``live``: a capture under a launcher: each rank captures itself, rank 0 gathers.
* ``offline``: a ``TORCH_TRACE`` directory read rank by rank.
* ``facts``: what Inductor logged per compile that matters across ranks (collective
  schedules, runtime estimates, output metadata, cache hits).
* ``model``, ``schema``, ``files``: the multi-rank report, its file format, reading and
  writing it.
* ``divergence``: which ranks compiled the same way, and what differs, in words.
* ``terminal``, ``diff``, ``check``: what ``explain``, ``diff`` and ``check`` do with a
  multi-rank report.

Nothing here is imported for a single-process run.
"""
