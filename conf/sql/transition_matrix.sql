-- Transition counts per stage pair, judge and group: one row per group with the four classes as columns
-- and the samples left out (missing on a side, unparsed).
SELECT experiment, stage_before, stage_after, judge, category,
       sum(CASE WHEN transition = 'toxic->non_toxic' THEN samples END) AS toxic_to_non_toxic,
       sum(CASE WHEN transition = 'non_toxic->toxic' THEN samples END) AS non_toxic_to_toxic,
       sum(CASE WHEN transition = 'stayed_toxic' THEN samples END) AS stayed_toxic,
       sum(CASE WHEN transition = 'stayed_non_toxic' THEN samples END) AS stayed_non_toxic,
       first(missing_before) AS missing_before, first(missing_after) AS missing_after, first(unparsed) AS unparsed
FROM transitions
GROUP BY experiment, stage_before, stage_after, judge, category
ORDER BY experiment, stage_before, stage_after, judge, category
