"""dynotrace: explain what torch.compile did to your program.

Importing this package does not import torch; only a capture does.
"""

from __future__ import annotations

__version__ = "0.1.0"
