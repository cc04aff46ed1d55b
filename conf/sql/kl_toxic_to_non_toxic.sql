-- Per-token KL(main || assistant) of the samples that went toxic -> non_toxic between two stages, per group and judge
-- (transitions); pass --param transition=non_toxic->toxic (or stayed_toxic, stayed_non_toxic) for the other classes.
-- param transition toxic->non_toxic
SELECT experiment, stage_before, stage_after, judge, category, samples, share, matched,
       tokens_before, mean_kl_before, median_kl_before, tokens_after, mean_kl_after, median_kl_after,
       mean_kl_after - mean_kl_before AS mean_kl_change
FROM transitions
WHERE transition = '${transition}'
ORDER BY experiment, stage_before, stage_after, judge, category
