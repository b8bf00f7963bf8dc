"""Events in: run a script as python would under a live listener (``live``, ``runner``,
``listener``), or read TORCH_TRACE logs (``tracelog``). Both give the same stream of
``TraceEvent``; nothing here knows what the events mean."""
