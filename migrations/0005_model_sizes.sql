-- songvec schema, version 5: every model's stored size (vectors and counts, in bytes), kept in its
-- row so that listing models does not scan their vectors.
ALTER TABLE models ADD COLUMN stored_bytes INTEGER NOT NULL DEFAULT 0;
UPDATE models SET stored_bytes =
  (SELECT coalesce(sum(length(input) + length(output)), 0) FROM model_vectors
   WHERE model_vectors.model_version = models.version) +
  (SELECT coalesce(sum(length(neighbors)), 0) FROM model_cooccurrence
   WHERE model_cooccurrence.model_version = models.version);
