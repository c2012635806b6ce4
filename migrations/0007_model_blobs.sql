-- songvec schema, version 7: a model's vocabulary, vectors and co-occurrence counts as a few large
-- values (model_blobs), each cut into chunks of at most 16 MiB, instead of a row per song: a
-- million-song model is written and read in a few dozen statements, not millions. Models stored
-- before keep their rows in model_vectors and model_cooccurrence, and load from there.
CREATE TABLE model_blobs (
  model_version INTEGER NOT NULL REFERENCES models (version) ON DELETE CASCADE,
  -- keys: the song ids in row order, each followed by a line feed; counts: int64 per row;
  -- input, output: float32, rows x dim (no output for an imported model); cooccurrence_starts:
  -- int64, rows + 1 offsets into cooccurrence_entries: (int32 row, int32 count) pairs, sorted by
  -- row within each row's range. All little-endian.
  name          TEXT    NOT NULL,
  chunk         INTEGER NOT NULL,  -- 0, 1, ...: the value is its chunks' bytes in order
  data          BLOB    NOT NULL,
  PRIMARY KEY (model_version, name, chunk)
);
