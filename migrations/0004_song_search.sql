-- songvec schema, version 4: full-text search over the catalog (songvec-server's GET /v1/songs?q=).

-- An external-content FTS5 index of songs' titles and artists, kept in step by triggers.
-- unicode61 with remove_diacritics folds case and accents ("Beyoncé" matches "beyonce"); the
-- prefix indexes make the prefix queries of a search box fast.
CREATE VIRTUAL TABLE song_search USING fts5(
  title, artist,
  content = 'songs', content_rowid = 'rowid',
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '1 2 3'
);
INSERT INTO song_search (song_search) VALUES ('rebuild');

CREATE TRIGGER songs_search_insert AFTER INSERT ON songs BEGIN
  INSERT INTO song_search (rowid, title, artist) VALUES (new.rowid, new.title, new.artist);
END;
CREATE TRIGGER songs_search_delete AFTER DELETE ON songs BEGIN
  INSERT INTO song_search (song_search, rowid, title, artist)
  VALUES ('delete', old.rowid, old.title, old.artist);
END;
CREATE TRIGGER songs_search_update AFTER UPDATE ON songs BEGIN
  INSERT INTO song_search (song_search, rowid, title, artist)
  VALUES ('delete', old.rowid, old.title, old.artist);
  INSERT INTO song_search (rowid, title, artist) VALUES (new.rowid, new.title, new.artist);
END;
