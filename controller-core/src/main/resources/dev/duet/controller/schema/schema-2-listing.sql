-- Version 2: CVM names usable in place of ids, and CVMs removed from the list (their rows and
-- history stay). listed_name is the name a CVM answers to: unique, NULL once the CVM is removed.
-- Releases before version 2 allowed two CVMs one name; such a name stays shown but answers to
-- neither CVM (each keeps its id), as does a name of the id form.
ALTER TABLE cvms ADD COLUMN listed_name TEXT;
ALTER TABLE cvms ADD COLUMN removed_seq INTEGER;
UPDATE cvms SET listed_name = name WHERE name NOT GLOB 'cvm-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]' AND name IN (SELECT name FROM cvms GROUP BY name HAVING COUNT(*) = 1);
CREATE UNIQUE INDEX cvms_listed_name ON cvms(listed_name);
