"""Distributed jobs: one report for all the ranks of a job, and how the ranks differ.

* ``launcher``: which rank this process is, from the environment torchrun (or any launcher
  that sets ``RANK``/``WORLD_SIZE``) gives it.
* ``exchange``: how the ranks' captures meet (torchrun's agent store, else files).
* ``live``: a capture under a launcher: each rank captures itself, rank 0 gathers.
* ``offline`` (with ``parallel``): a ``TORCH_TRACE`` directory read rank by rank, side by
  side in forked children.
* ``facts``: what Inductor logged per compile that matters across ranks (collective
  schedules, runtime estimates, output metadata, cache hits).
* ``model``, ``schema``, ``files``: the multi-rank report, its file format, reading and
  writing it; ``job`` puts a job's reports together.
* ``divergence``: which ranks compiled the same way, and what differs, in words.
* ``terminal``, ``diff``, ``diff_render``, ``check``: what ``explain``, ``diff`` and
  ``check`` do with a multi-rank report.

Nothing here is imported for a single-process run, but ``model`` (plain dataclasses).
"""
