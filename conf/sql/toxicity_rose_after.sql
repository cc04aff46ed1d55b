-- Groups whose toxic rate rose after stage S (vs stage `before`), per judge, with Wilson 95% intervals;
-- `separated` is true when the intervals do not overlap.
-- param stage
-- param before base
WITH tox AS (
  SELECT experiment, stage, category, judge, judged, toxic_count, toxic_rate, toxic_ci_low, toxic_ci_high
  FROM group_metrics WHERE judge IS NOT NULL AND toxic_rate IS NOT NULL)
SELECT a.experiment, b.stage AS stage_before, a.stage AS stage_after, a.judge, a.category,
       b.toxic_count AS toxic_before, b.judged AS judged_before, b.toxic_rate AS rate_before,
       a.toxic_count AS toxic_after, a.judged AS judged_after, a.toxic_rate AS rate_after,
       a.toxic_rate - b.toxic_rate AS rise, a.toxic_ci_low > b.toxic_ci_high AS separated
FROM tox a JOIN tox b ON a.experiment = b.experiment AND a.judge = b.judge AND a.category <=> b.category
WHERE a.stage = '${stage}' AND b.stage = '${before}' AND a.toxic_rate > b.toxic_rate
ORDER BY rise DESC, a.judge, a.category
