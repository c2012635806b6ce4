-- songvec schema, version 8: the weights a model's next scores are blended with, in typed columns
-- (core's NextScoring), where they were read back from the hyperparameters JSON on every load: a
-- key renamed on one side would have silently zeroed every stored model's blend. The
-- hyperparameters keep them too, as they were given, for people to read.
-- next_bias: the popularity term's weight; rules_weight: the count term's; the rest say how next
-- continues a playlist. Defaults: NextScoring's.
ALTER TABLE models ADD COLUMN next_bias REAL NOT NULL DEFAULT 0;
ALTER TABLE models ADD COLUMN rules_weight REAL NOT NULL DEFAULT 0;
ALTER TABLE models ADD COLUMN rules_per_play INTEGER NOT NULL DEFAULT 0;
ALTER TABLE models ADD COLUMN rules_by_distance INTEGER NOT NULL DEFAULT 0;
ALTER TABLE models ADD COLUMN context_decay REAL NOT NULL DEFAULT 0.5;
ALTER TABLE models ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;
ALTER TABLE models ADD COLUMN repeat_weight REAL NOT NULL DEFAULT 1;
-- Backfilled as songvec read them until now: a key counts where it holds a value of its type (a
-- number; true or false), else the next in line: next_bias, else ns_exponent, else 0;
-- rules_weight, else (blend models stored with co-occurrence counts) cooccurrence_weight, else 0;
-- the others as stored, else the default.
UPDATE models SET
  next_bias = CASE
    WHEN json_type(hyperparameters, '$.next_bias') IN ('integer', 'real')
      THEN json_extract(hyperparameters, '$.next_bias')
    WHEN json_type(hyperparameters, '$.ns_exponent') IN ('integer', 'real')
      THEN json_extract(hyperparameters, '$.ns_exponent')
    ELSE 0 END,
  rules_weight = CASE
    WHEN json_type(hyperparameters, '$.rules_weight') IN ('integer', 'real')
      THEN json_extract(hyperparameters, '$.rules_weight')
    WHEN json_type(hyperparameters, '$.cooccurrence_weight') IN ('integer', 'real')
      THEN json_extract(hyperparameters, '$.cooccurrence_weight')
    ELSE 0 END,
  rules_per_play = CASE
    WHEN json_type(hyperparameters, '$.rules_per_play') IN ('true', 'false')
      THEN json_extract(hyperparameters, '$.rules_per_play')
    ELSE 0 END,
  rules_by_distance = CASE
    WHEN json_type(hyperparameters, '$.rules_by_distance') IN ('true', 'false')
      THEN json_extract(hyperparameters, '$.rules_by_distance')
    ELSE 0 END,
  context_decay = CASE
    WHEN json_type(hyperparameters, '$.context_decay') IN ('integer', 'real')
      THEN json_extract(hyperparameters, '$.context_decay')
    ELSE 0.5 END,
  repeats = CASE
    WHEN json_type(hyperparameters, '$.repeats') IN ('true', 'false')
      THEN json_extract(hyperparameters, '$.repeats')
    ELSE 0 END,
  repeat_weight = CASE
    WHEN json_type(hyperparameters, '$.repeat_weight') IN ('integer', 'real')
      THEN json_extract(hyperparameters, '$.repeat_weight')
    ELSE 1 END
WHERE json_valid(hyperparameters) AND json_type(hyperparameters) = 'object';
