"""The live listener: subscribes to Dynamo's structured trace in this process.

Dynamo calls ``trace_structured`` for every event; with a handler on logger
``torch.__trace`` each call reaches ``TraceListener.emit`` with ``record.metadata`` (dict)
and ``record.payload`` (text or None). The listener only stores what the fold reads and
drops every payload the fold does not need, so memory stays bounded and the per-event cost
is a dict lookup and an append.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from dynotrace.capture.events import CONTEXT_KEYS, TraceEvent, make_event, wants_payload

TRACE_LOGGER = "torch.__trace"

#: Event kinds the fold reads; the listener drops all others on arrival.
FOLD_KINDS = frozenset(
    {
        "str",
        "dynamo_start",
        "compilation_metrics",
        "artifact",
        "dynamo_output_graph",
        "dynamo_cpp_guards_str",
        "dynamo_guards",
        "create_symbol",
        "create_unbacked_symbol",
        "guard_added",
        "guard_added_fast",
        "symbolic_shape_specialization",
    }
)


class TraceListener(logging.Handler):
    """A logging handler that keeps Dynamo's trace records for the fold."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[dict[str, Any], str | None]] = []
        self._restore_init_logs: Callable[[], None] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        metadata = getattr(record, "metadata", None)
        if not isinstance(metadata, dict):
            return
        for kind in metadata:
            if kind not in CONTEXT_KEYS:
                break
        else:
            return
        if kind not in FOLD_KINDS:
            return
        payload = getattr(record, "payload", None)
        if payload is not None and not wants_payload(kind, metadata[kind]):
            payload = None
        self.records.append((metadata, payload))

    def events(self) -> list[TraceEvent]:
        """The stored records as events, in arrival order."""
        events = []
        for metadata, payload in self.records:
            event = make_event(metadata, payload)
            if event is not None:
                events.append(event)
        return events

    def attach(self) -> None:
        """Start listening. Imports torch (the caller is about to run torch code anyway)."""
        import torch._logging._internal as internal

        logger = logging.getLogger(TRACE_LOGGER)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        logger.addHandler(self)

        # torch._logging.set_logs() (and anything else that re-initialises torch's logging)
        # clears every handler of the trace logger; a script that calls it must not silently
        # end the capture, so re-attach after each re-initialisation.
        original = internal._init_logs

        def init_logs_keeping_listener(*args: Any, **kwargs: Any) -> None:
            original(*args, **kwargs)
            if self not in logger.handlers:
                logger.addHandler(self)

        internal._init_logs = init_logs_keeping_listener  # type: ignore[assignment]

        def restore() -> None:
            if internal._init_logs is init_logs_keeping_listener:
                internal._init_logs = original  # type: ignore[assignment]

        self._restore_init_logs = restore

    def detach(self) -> None:
        """Stop listening; safe to call twice."""
        logging.getLogger(TRACE_LOGGER).removeHandler(self)
        if self._restore_init_logs is not None:
            self._restore_init_logs()
            self._restore_init_logs = None


def interned_strings() -> dict[int, str]:
    """torch's string table as it is now (index -> string), for strings interned before a
    capture began."""
    import torch._logging.structured as structured

    return {index: text for text, index in structured.INTERN_TABLE.items()}
