"""Where endpoint records live: in memory, or also in a sqlite file that survives a restart."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from .lifecycle import Record

Key = tuple[str, str]


class Store:
    """Endpoint records by `(namespace, name)`, written through to sqlite when a path is given.

    Not thread-safe by itself: the app calls it under its own lock.

    Args:
        path: The sqlite database file, created if absent; None keeps everything in memory.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self._records: dict[Key, Record] = {}
        self._db: sqlite3.Connection | None = None
        if path is not None:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            # Every write is one autocommitted statement; WAL without a sync per commit keeps a
            # benchmark's thousands of writes cheap, and a crash loses at most the last few.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS endpoints ("
                " namespace TEXT NOT NULL, name TEXT NOT NULL, record TEXT NOT NULL,"
                " PRIMARY KEY (namespace, name))"
            )
            for (text,) in self._db.execute("SELECT record FROM endpoints"):
                record = Record.from_json(json.loads(text))
                self._records[(record.namespace, record.name)] = record

    def get(self, namespace: str, name: str) -> Record | None:
        """The record, or None."""
        return self._records.get((namespace, name))

    def in_namespace(self, namespace: str) -> list[Record]:
        """Every record of a namespace, by name."""
        return sorted((r for (ns, _), r in self._records.items() if ns == namespace), key=lambda r: r.name)

    def all(self) -> list[Record]:
        """Every record."""
        return list(self._records.values())

    def save(self, record: Record) -> None:
        """Insert or replace a record."""
        self._records[(record.namespace, record.name)] = record
        if self._db is not None:
            self._db.execute(
                "INSERT OR REPLACE INTO endpoints (namespace, name, record) VALUES (?, ?, ?)",
                (record.namespace, record.name, json.dumps(record.to_json())),
            )

    def delete(self, namespace: str, name: str) -> None:
        """Remove a record if present."""
        self._records.pop((namespace, name), None)
        if self._db is not None:
            self._db.execute("DELETE FROM endpoints WHERE namespace = ? AND name = ?", (namespace, name))

    def clear(self) -> None:
        """Remove every record."""
        self._records.clear()
        if self._db is not None:
            self._db.execute("DELETE FROM endpoints")

    def close(self) -> None:
        """Close the database file, if any."""
        if self._db is not None:
            self._db.close()
            self._db = None
