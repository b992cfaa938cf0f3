-- Version 2 of the log's tables: the latest signed checkpoint is no longer stored. The committer
-- signs each commit's checkpoint beside its fsync and keeps it in memory, and a reader of an older
-- snapshot signs that snapshot's size and root again (SqliteStore.checkpointAt).
DROP TABLE IF EXISTS checkpoint;
