-- Every significance test with raw and Holm-corrected p-values; --param max_p=0.05 keeps those under a threshold (Holm).
-- param max_p 1
SELECT experiment, test, metric, stage_before, stage, category, judge, statistic, df, n1, n2, p_value, p_holm, note
FROM significance
WHERE p_holm IS NULL OR p_holm <= CAST('${max_p}' AS DOUBLE)
ORDER BY experiment, test, p_holm, stage, category, judge
