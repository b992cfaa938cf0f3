-- Version 3 of the log's tables: the tree's perfect subtrees stored by their position in post order
-- (PostOrder.position), the order an append completes them in, so that an append's new nodes go at
-- the end of one index rather than at the end of one range per level (fewer pages per commit).
-- The position of the subtree at level L and index i, with x = (i + 1)·2^L - 1, is 2x - popcount(x) + L;
-- popcount(x) is computed by the usual halving sums, with shifts and masks only.
CREATE TABLE merkle_tree (pos INTEGER PRIMARY KEY, hash BLOB NOT NULL CHECK (length(hash) = 32));
WITH
  a AS (SELECT level AS l, ((idx + 1) << level) - 1 AS x, hash FROM merkle_nodes),
  b AS (SELECT l, x, hash, x - ((x >> 1) & 0x5555555555555555) AS y FROM a),
  c AS (SELECT l, x, hash, (y & 0x3333333333333333) + ((y >> 2) & 0x3333333333333333) AS y FROM b),
  d AS (SELECT l, x, hash, (y + (y >> 4)) & 0x0F0F0F0F0F0F0F0F AS y FROM c),
  e AS (SELECT l, x, hash, y + (y >> 8) AS y FROM d),
  f AS (SELECT l, x, hash, y + (y >> 16) AS y FROM e),
  g AS (SELECT l, x, hash, (y + (y >> 32)) & 0x7F AS y FROM f)
INSERT INTO merkle_tree (pos, hash) SELECT 2 * x - y + l, hash FROM g;
DROP TABLE merkle_nodes;
