-- Average match ratio per group before and after each later stage, with bootstrap 95% CIs (group_metrics).
-- param before base
WITH ratio AS (
  SELECT DISTINCT experiment, stage, category, samples, mean_ratio, ratio_ci_low, ratio_ci_high FROM group_metrics)
SELECT a.experiment, b.stage AS stage_before, a.stage AS stage_after, a.category,
       b.mean_ratio AS mean_ratio_before, b.ratio_ci_low AS ci_low_before, b.ratio_ci_high AS ci_high_before,
       a.mean_ratio AS mean_ratio_after, a.ratio_ci_low AS ci_low_after, a.ratio_ci_high AS ci_high_after,
       a.mean_ratio - b.mean_ratio AS change, b.samples AS samples_before, a.samples AS samples_after
FROM ratio a JOIN ratio b ON a.experiment = b.experiment AND a.category <=> b.category AND b.stage = '${before}'
WHERE a.stage <> '${before}'
ORDER BY a.experiment, a.stage, a.category
