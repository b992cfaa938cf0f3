-- Version 4: owner governance (issue 12). The threshold of distinct owner keys a governed request
-- needs (one row; none means 1, as in every directory made before version 4), and the governed
-- requests that waited for approvals, each as its approval.requested entry (requested_seq) logged
-- it; approved_by holds the approvers' key ids separated by spaces, the requester first. owner_changes
-- lists the owners.changed entries, which every bundle carries so a verifier knows the owners in force.
CREATE TABLE owner_threshold (id INTEGER PRIMARY KEY CHECK (id = 1), threshold INTEGER NOT NULL);
CREATE TABLE approvals (request_id TEXT PRIMARY KEY, cvm_id TEXT, method TEXT NOT NULL, path TEXT NOT NULL, body_sha256 TEXT NOT NULL, requested_by TEXT NOT NULL, approved_by TEXT NOT NULL, threshold INTEGER NOT NULL, expires INTEGER NOT NULL, requested_seq INTEGER NOT NULL, state TEXT NOT NULL, outcome TEXT);
CREATE TABLE owner_changes (seq INTEGER PRIMARY KEY);
