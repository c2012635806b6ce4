-- songvec schema, version 2: song tags, and the co-occurrence counts a blend model scores with.

-- Tags of a song (Last.fm's in the yes.com data: "rock", "80s", ...), by name.
CREATE TABLE song_tags (
  song_id TEXT NOT NULL REFERENCES songs (id) ON DELETE CASCADE,
  tag     TEXT NOT NULL,
  PRIMARY KEY (song_id, tag)
);
CREATE INDEX song_tags_by_tag ON song_tags (tag);

-- For a blend model: for each row of the vocabulary, the rows that stood right next to it in the
-- training playlists and how often, as little-endian int32 pairs (row, count) sorted by row. Rows
-- without neighbours have no entry.
CREATE TABLE model_cooccurrence (
  model_version INTEGER NOT NULL REFERENCES models (version) ON DELETE CASCADE,
  row           INTEGER NOT NULL,
  neighbors     BLOB    NOT NULL,
  PRIMARY KEY (model_version, row)
);
