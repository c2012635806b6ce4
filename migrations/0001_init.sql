-- songvec schema, version 1. Shipped migrations are never edited: add NNNN_next.sql instead.

-- The song catalog: what users see of a song. Keyed by the external id playlists use.
CREATE TABLE songs (
  id     TEXT PRIMARY KEY,
  title  TEXT NOT NULL,
  artist TEXT NOT NULL
);

-- One row per trained (or imported) model version. JSON columns are objects.
CREATE TABLE models (
  -- AUTOINCREMENT: a deleted version's number is never handed out again.
  version          INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  algorithm        TEXT    NOT NULL,  -- e.g. 'sgns-skipgram', 'sgns-cbow'
  hyperparameters  TEXT    NOT NULL,  -- JSON: every training option, seed included
  trained_on       TEXT    NOT NULL,  -- JSON: input files, sizes, playlists, tokens
  vocab_size       INTEGER NOT NULL,
  dim              INTEGER NOT NULL,
  training_seconds REAL    NOT NULL,
  tokens           INTEGER NOT NULL,  -- corpus tokens processed over all epochs
  metrics          TEXT    NOT NULL DEFAULT '{}',  -- JSON: evaluations, keyed by test file
  songvec_version  TEXT    NOT NULL
);

-- A model's vocabulary and both SGNS matrices, one row per song. Vectors are `dim` IEEE-754 float32
-- values in little-endian byte order (4 * dim bytes).
CREATE TABLE model_vectors (
  model_version INTEGER NOT NULL REFERENCES models (version) ON DELETE CASCADE,
  row           INTEGER NOT NULL,  -- 0-based, most frequent song first
  song_id       TEXT    NOT NULL,  -- may be absent from songs: trained all the same
  count         INTEGER NOT NULL,  -- appearances in the training playlists
  input         BLOB    NOT NULL,  -- the song's vector (word2vec's syn0)
  output        BLOB    NOT NULL,  -- its context vector (syn1neg)
  PRIMARY KEY (model_version, row),
  UNIQUE (model_version, song_id)
);

-- The model the server answers with: at most one row.
CREATE TABLE active_model (
  singleton     INTEGER PRIMARY KEY CHECK (singleton = 1),
  model_version INTEGER NOT NULL REFERENCES models (version)
);
