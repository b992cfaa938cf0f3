-- Version 3: the command policy in force (issue 12). One row per CVM (scope = its id) and one for
-- the controller-wide default (scope = '*'); each written in the transaction that appends the
-- policy.set or policy.default-set entry (seq) that logs it whole.
CREATE TABLE policies (scope TEXT PRIMARY KEY, version INTEGER NOT NULL, seq INTEGER NOT NULL, policy TEXT NOT NULL);
