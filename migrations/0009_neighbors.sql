-- songvec schema, version 9: session-kNN in next's scores (core's NextScoring): how many training
-- playlists nearest the playlist so far add their songs, and at what weight. 0, 0: none, as every
-- model stored before it.
ALTER TABLE models ADD COLUMN neighbors INTEGER NOT NULL DEFAULT 0;
ALTER TABLE models ADD COLUMN neighbors_weight REAL NOT NULL DEFAULT 0;
