"""Big texts of a page packed in gzip chunks, unpacked by the browser when a section opens.

Each chunk is a JSON object ``{key: [[title, text], ...]}`` of about ``CHUNK_BYTES`` of
text, gzip-compressed and base64-encoded into a ``<script type="application/x-dynotrace-gzip"
id="kN">`` element (inert: the browser does not run it); ``report.js`` decompresses a
chunk with ``DecompressionStream`` the first time one of its sections is opened. Texts of
neighbouring compiles (a function's recompiles) share a chunk, so they compress together.
Chunks are compressed on a thread pool while the page is being built (zlib releases the
GIL).
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

#: Characters of text per chunk: small enough that opening one compile unpacks little,
#: large enough that similar compiles compress together.
CHUNK_BYTES = 1 << 20
#: zlib's level: 6 (its default) packs the benchmark log's texts to 1/9 of their size;
#: higher levels gain little and cost much more time.
LEVEL = 6


def _gzip(data: bytes) -> str:
    # A gzip member (what DecompressionStream("gzip") reads), without a timestamp, so the
    # same report gives the same page.
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, 31)
    return base64.b64encode(compressor.compress(data) + compressor.flush()).decode("ascii")


class Packer:
    """Collects texts under keys, in chunks; ``add`` returns the chunk a key is in."""

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dynotrace-pack")
        self._done: list[Future[str]] = []
        self._current: dict[str, list[list[str]]] = {}
        self._size = 0
        self.raw_bytes = 0

    def add(self, key: str, items: list[tuple[str, str]]) -> int:
        """Pack ``items`` (title, text) under ``key``; the number of the chunk they are in."""
        self._current[key] = [[title, text] for title, text in items]
        size = sum(len(t) + len(x) for t, x in items)
        self._size += size
        self.raw_bytes += size
        chunk = len(self._done)
        if self._size >= CHUNK_BYTES:
            self._close()
        return chunk

    def _close(self) -> None:
        if not self._current:
            return
        # ASCII JSON: a lone surrogate (a damaged log's) stays a valid \u escape.
        data = json.dumps(self._current, separators=(",", ":")).encode("ascii")
        self._done.append(self._pool.submit(_gzip, data))
        self._current = {}
        self._size = 0

    def scripts(self) -> Iterator[str]:
        """Each chunk's ``<script>`` element, in chunk order (waits for the compression)."""
        self._close()
        try:
            for number, future in enumerate(self._done):
                yield f'<script type="application/x-dynotrace-gzip" id="k{number}">{future.result()}</script>\n'
        finally:
            self._pool.shutdown(wait=True)

    @property
    def chunks(self) -> int:
        return len(self._done) + (1 if self._current else 0)
