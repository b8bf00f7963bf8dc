"""Many processes: what only a distributed job needs.

* ``launcher``: which rank this process is, from the environment torchrun (or any launcher
  that sets ``RANK``/``WORLD_SIZE``) gives it.
* ``exchange``: how the ranks' captures meet (torchrun's agent store, else files).
* ``live``: a capture under a launcher: each rank captures itself, rank 0 gathers.
* ``offline`` (with ``parallel``): a ``TORCH_TRACE`` directory read rank by rank, side by
  side in forked children.
* ``combine``: the ranks' reports put together into one ``JobReport``, with their groups
  and divergence (``dynotrace.compare.divergence``).

Rendering, saving, comparing and gating a job are not here: they take any ``JobReport``.
"""
