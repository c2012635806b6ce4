-- songvec schema, version 6: the catalog's search index is no longer kept in step by triggers, one
-- song at a time (27 s for a million new songs); the catalog store rebuilds it in one pass after it
-- changes songs (3.5 s for a million), in the same transaction.
DROP TRIGGER songs_search_insert;
DROP TRIGGER songs_search_delete;
DROP TRIGGER songs_search_update;
