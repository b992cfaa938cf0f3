-- Version 1 of the controller's tables, next to the log's in the same file: the schema every
-- release before schema versions created (IF NOT EXISTS, so a database that release made is taken
-- to version 1 unchanged).
CREATE TABLE IF NOT EXISTS owners (key_id TEXT PRIMARY KEY, public_key BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS nonces (key_id TEXT NOT NULL, nonce TEXT NOT NULL, created INTEGER NOT NULL, PRIMARY KEY (key_id, nonce));
CREATE TABLE IF NOT EXISTS controller_keys (purpose TEXT PRIMARY KEY, public_key BLOB NOT NULL, private_sealed BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS cvms (id TEXT PRIMARY KEY, name TEXT NOT NULL, provider TEXT NOT NULL, host TEXT NOT NULL, port INTEGER NOT NULL, user TEXT NOT NULL, host_key_pin TEXT NOT NULL, host_key TEXT, authorized_keys_path TEXT NOT NULL, mode TEXT NOT NULL, reason TEXT, ssh_public_key BLOB NOT NULL, ssh_public_line TEXT NOT NULL, ssh_private_sealed BLOB, created_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS vms (cvm_id TEXT PRIMARY KEY, pid INTEGER NOT NULL, evidence_source TEXT NOT NULL, simulated INTEGER NOT NULL);
