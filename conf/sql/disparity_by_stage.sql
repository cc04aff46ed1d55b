-- Per stage: the spread of mean ratios over groups (max - min), the groups at each end, and its permutation
-- p-value, raw and Holm-corrected over the experiment's stages (group_metrics, significance).
SELECT DISTINCT g.experiment, g.stage, g.ratio_disparity, g.disparity_low_category, g.disparity_high_category,
       s.p_value, s.p_holm
FROM group_metrics g
LEFT JOIN significance s ON s.test = 'permutation_ratio_spread' AND s.experiment = g.experiment AND s.stage = g.stage
ORDER BY g.experiment, g.stage
