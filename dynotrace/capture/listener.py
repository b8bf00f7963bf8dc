"""The live listener: subscribes to Dynamo's structured trace in this process.

Dynamo calls ``trace_structured`` for every event; with a handler on logger
``torch.__trace`` each call reaches ``TraceListener.emit`` with ``record.metadata`` (dict)
and ``record.payload`` (text or None). The listener only stores what the fold reads and
drops every payload the fold does not need, so memory stays bounded and the per-event cost
is a dict lookup and an append.
"""

from __future__ import annotations

import linecache
import logging
import os
import sys
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from dynotrace.releases import RELEASE_KINDS
from dynotrace.events import CONTEXT_KEYS, PAYLOAD_KINDS, TraceEvent, make_event, slim_payload, wants_payload

TRACE_LOGGER = "torch.__trace"
#: The graph-break log of Dynamo's frame converter (see ``_log_skipped_frames``).
_SKIP_LOG = "torch._dynamo.convert_frame.__graph_breaks"

#: Event kinds the fold reads (with those a release writes instead of one of them); the
#: listener drops all others on arrival.
FOLD_KINDS = RELEASE_KINDS | frozenset(
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


def _no_payload() -> None:
    return None


def _python_stack() -> list[dict[str, Any]]:
    """The Python stack under the frame Dynamo is about to compile, outermost first, as
    ``dynamo_start`` frames are: Dynamo's own ``stack`` leaves out the frames it does not
    trace (the module-level line that called a compiled function), so a live capture takes
    the real one. The compiled frame has not started yet; torch's, the logging module's
    and dynotrace's own frames (everything above the call) are left out."""
    skip = _skipped_dirs()
    frames = []
    frame = sys._getframe(2)
    while frame is not None:
        file = frame.f_code.co_filename
        if not file.startswith(skip):
            frames.append(
                {
                    "filename": file,
                    "line": frame.f_lineno,
                    "name": frame.f_code.co_name,
                    "loc": linecache.getline(file, frame.f_lineno).strip(),
                }
            )
        frame = frame.f_back  # type: ignore[assignment]
    frames.reverse()
    return frames


@lru_cache(maxsize=1)
def _skipped_dirs() -> tuple[str, ...]:
    import torch

    dirs = (os.path.dirname(torch.__file__), os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return (*(d + os.sep for d in dirs), logging.__file__.rsplit(os.sep, 1)[0] + os.sep)


class TraceListener(logging.Handler):
    """A logging handler that keeps Dynamo's trace records for the fold.

    ``keep`` names more event kinds (``events.ARTIFACT_KINDS``: the compiled graphs and
    code an HTML report shows) whose records and payloads are kept too."""

    def __init__(self, keep: frozenset[str] = frozenset()) -> None:
        super().__init__(logging.DEBUG)
        self.keep = keep
        self.kinds = FOLD_KINDS | keep
        self.records: list[tuple[dict[str, Any], str | None]] = []
        self._restore_init_logs: Callable[[], None] | None = None
        self._restore_trace_structured: Callable[[], None] | None = None
        self._skip_log_state: tuple[int, bool] | None = None
        self._quiet = logging.NullHandler()

    def emit(self, record: logging.LogRecord) -> None:
        metadata = getattr(record, "metadata", None)
        if not isinstance(metadata, dict):
            return
        for kind in metadata:
            if kind not in CONTEXT_KEYS:
                break
        else:
            return
        if kind not in self.kinds:
            return
        payload = getattr(record, "payload", None)
        if payload is not None:
            # Kept payloads are slimmed now: a cache lookup's is tens of KB, of which a
            # report reads a few keys.
            payload = slim_payload(kind, metadata[kind], payload) if wants_payload(kind, metadata[kind], self.keep) else None
        if kind == "dynamo_start" and isinstance(metadata[kind], dict):
            metadata = {**metadata, kind: {**metadata[kind], "python_stack": _python_stack()}}
        self.records.append((metadata, payload))

    def events(self) -> list[TraceEvent]:
        """The stored records as events, in arrival order."""
        events = []
        for metadata, payload in self.records:
            event = make_event(metadata, payload, keep=self.keep)
            if event is not None:
                events.append(event)
        return events

    def attach(self) -> None:
        """Start listening. Imports torch (the caller is about to run torch code anyway)."""
        import torch._logging._internal as internal

        logger = logging.getLogger(TRACE_LOGGER)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        logger.disabled = False
        logger.addHandler(self)

        # torch._logging.set_logs() (and anything else that re-initialises torch's logging)
        # clears every handler of the trace logger; a script that calls it must not silently
        # end the capture, so re-attach after each re-initialisation.
        original = internal._init_logs

        def init_logs_keeping_listener(*args: Any, **kwargs: Any) -> None:
            self._unlog_skipped_frames(reset_by_torch=True)
            original(*args, **kwargs)
            if self not in logger.handlers:
                logger.addHandler(self)
            self._log_skipped_frames()

        internal._init_logs = init_logs_keeping_listener  # type: ignore[assignment]
        self._log_skipped_frames()

        def restore() -> None:
            if internal._init_logs is init_logs_keeping_listener:
                internal._init_logs = original  # type: ignore[assignment]
            self._unlog_skipped_frames()

        self._restore_init_logs = restore
        self._skip_unread_payloads(logger)

    def _log_skipped_frames(self) -> None:
        """Have torch emit the graph break of a frame it skips, as it does when its graph-break
        log is on (``TORCH_LOGS=graph_breaks``), without printing that log.

        A graph break Dynamo raises outside its bytecode tracer (a frame it could not resume,
        which then runs eagerly) is written to the trace stream, and counted in torch's
        graph-break log, only while the logger ``torch._dynamo.convert_frame.__graph_breaks``
        is enabled for DEBUG (every release 2.6-2.15; 2.6-2.9 log most skipped frames this
        way). Where the user enabled that log, it is left as it is.
        """
        gb_log = logging.getLogger(_SKIP_LOG)
        if self._skip_log_state is not None or gb_log.isEnabledFor(logging.DEBUG):
            return
        self._skip_log_state = (gb_log.level, gb_log.propagate)
        gb_log.setLevel(logging.DEBUG)
        gb_log.propagate = False  # torch's handlers would print it
        gb_log.addHandler(self._quiet)

    def _unlog_skipped_frames(self, *, reset_by_torch: bool = False) -> None:
        gb_log = logging.getLogger(_SKIP_LOG)
        gb_log.removeHandler(self._quiet)
        if self._skip_log_state is not None and not reset_by_torch:
            gb_log.setLevel(self._skip_log_state[0])
            gb_log.propagate = self._skip_log_state[1]
        self._skip_log_state = None

    def _skip_unread_payloads(self, logger: logging.Logger) -> None:
        """Spare torch building events and payloads the fold never reads.

        ``trace_structured`` builds an event's metadata and payload before any handler
        sees it: for ``dynamo_output_graph`` the payload is the graph printed with
        ``print_readable``, the largest part of what listening costs (1.6 s of 3.0 s in a
        profile of ``bench/programs/many_frames.py --functions 6``). Calls made through the
        attribute ``torch._logging.trace_structured`` (Dynamo's ``output_graph`` among them)
        are sent through a filter that drops events of kinds outside ``FOLD_KINDS`` (the
        ``chromium_event`` timings, a dozen per compile) before torch builds them, and
        passes no payload for any kind but those in ``PAYLOAD_KINDS``, and for ``artifact``
        events none but ``PAYLOAD_ARTIFACTS``.
        It does so only while this listener is the trace logger's one handler, so a
        ``TORCH_TRACE`` log written in the same run keeps every payload (as do pytest's
        log-capturing handlers, which pytest 9.2+ also puts on this logger: under pytest,
        payloads are then built as before). Modules that bound the name at import
        (Inductor's, AOTAutograd's) call torch's function directly, as before.
        """
        import torch._logging as torch_logging

        original = torch_logging.trace_structured
        only_self = [self]
        kinds, keep = self.kinds, self.keep

        def trace_structured(
            name: str,
            metadata_fn: Callable[[], Any] = dict,
            *,
            payload_fn: Callable[[], Any] = _no_payload,
            **kwargs: Any,
        ) -> None:
            if logger.disabled:
                # logging.config.dictConfig() (in the script, or a library it calls) disables
                # every logger its configuration does not name, torch's trace logger too: the
                # capture would silently end there.
                logger.disabled = False
            if logger.handlers == only_self:
                if name not in kinds:
                    return  # no handler would keep it: what torch does with no handler at all
                if payload_fn is not _no_payload and name == "artifact":
                    metadata = metadata_fn()
                    metadata_fn = lambda: metadata  # noqa: E731 - evaluated once, as torch would
                    if not wants_payload(name, metadata, keep):
                        payload_fn = _no_payload
                elif name not in PAYLOAD_KINDS and name not in keep:
                    payload_fn = _no_payload
            original(name, metadata_fn, payload_fn=payload_fn, **kwargs)

        torch_logging.trace_structured = trace_structured  # type: ignore[assignment]

        def restore() -> None:
            if torch_logging.trace_structured is trace_structured:
                torch_logging.trace_structured = original  # type: ignore[assignment]

        self._restore_trace_structured = restore

    def detach(self) -> None:
        """Stop listening; safe to call twice."""
        logging.getLogger(TRACE_LOGGER).removeHandler(self)
        for restore in (self._restore_init_logs, self._restore_trace_structured):
            if restore is not None:
                restore()
        self._restore_init_logs = self._restore_trace_structured = None


def interned_strings() -> dict[int, str]:
    """torch's string table as it is now (index -> string), for strings interned before a
    capture began."""
    import torch._logging.structured as structured

    return {index: text for text, index in structured.INTERN_TABLE.items()}
