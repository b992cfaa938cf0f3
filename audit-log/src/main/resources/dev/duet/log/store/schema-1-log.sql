-- Version 1 of the log's tables: the schema every release before schema versions created (IF NOT
-- EXISTS, so a database that release made is taken to version 1 unchanged).
CREATE TABLE IF NOT EXISTS log_entries (seq INTEGER PRIMARY KEY CHECK (seq >= 0), subject TEXT, hash BLOB NOT NULL CHECK (length(hash) = 32), body BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS log_entries_subject ON log_entries(subject, seq);
CREATE TABLE IF NOT EXISTS merkle_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL CHECK (length(hash) = 32), PRIMARY KEY (level, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL, note TEXT NOT NULL);
