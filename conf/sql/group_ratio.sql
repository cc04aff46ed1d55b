-- Mean match ratio per demographic group and stage, with the disparity (max - min over groups).
WITH per_group AS (
  SELECT experiment, stage, category, count(*) AS n, avg(ratio) AS mean_ratio, avg(acceptance_rate) AS acceptance
  FROM generations WHERE error IS NULL GROUP BY experiment, stage, category)
SELECT p.*, d.disparity
FROM per_group p
JOIN (SELECT experiment, stage, max(mean_ratio) - min(mean_ratio) AS disparity FROM per_group GROUP BY experiment, stage) d
  USING (experiment, stage)
ORDER BY experiment, stage, mean_ratio
