-- The headline figures per stage and group (one judge's toxicity per row; judge is null without judgments).
SELECT experiment, stage, category, judge, samples, mean_ratio, ratio_ci_low, ratio_ci_high, mean_acceptance_rate,
       mean_kl_main_assistant, kl_main_assistant_p99, toxic_count, toxic_rate, toxic_ci_low, toxic_ci_high, unparsed_count
FROM group_metrics
ORDER BY experiment, stage, judge, category
