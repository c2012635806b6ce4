-- songvec schema, version 3: the trials of hyperparameter searches (songvec-train tune).
CREATE TABLE tuning_trials (
  id              INTEGER PRIMARY KEY,
  search          TEXT    NOT NULL,  -- when the search started (ISO 8601): groups its trials
  trial           INTEGER NOT NULL,  -- 1-based, in the order run
  hyperparameters TEXT    NOT NULL,  -- JSON: the training options and scoring weights tried
  metrics         TEXT    NOT NULL,  -- JSON: validation figures
  seconds         REAL    NOT NULL,  -- training time
  created_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
