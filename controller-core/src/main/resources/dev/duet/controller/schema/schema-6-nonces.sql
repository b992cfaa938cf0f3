-- Version 6: owners' nonces findable by age. Each owner request deletes the nonces that can no
-- longer be replayed (created before twice the acceptance window); without an index on created
-- that delete read the whole table, so every request cost more the more requests the window held.
-- The table is rebuilt keyed by its primary key alone (no rowid table beside it).
CREATE TABLE nonces_by_key (key_id TEXT NOT NULL, nonce TEXT NOT NULL, created INTEGER NOT NULL, PRIMARY KEY (key_id, nonce)) WITHOUT ROWID;
INSERT INTO nonces_by_key (key_id, nonce, created) SELECT key_id, nonce, created FROM nonces;
DROP TABLE nonces;
ALTER TABLE nonces_by_key RENAME TO nonces;
CREATE INDEX nonces_by_created ON nonces (created);
