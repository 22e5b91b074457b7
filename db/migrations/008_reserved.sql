-- Intentionally empty. Issue 10 was told to number its migration 009 because a branch merged alongside it
-- (issue 11) takes 008; this placeholder keeps the numbering contiguous (the migration test checks it)
-- until that one lands. At merge: delete this file if the other branch brings an 008, else keep it.
SELECT 1;
