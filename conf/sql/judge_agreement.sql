-- Agreement between every two judges per stage on the samples both labelled toxic or non_toxic:
-- observed agreement and Cohen's kappa = (p_o - p_e) / (1 - p_e), p_e from each judge's own toxic rate.
WITH labels AS (
  SELECT experiment, stage, run_id, prompt_id, sample_index, judge, label = 'toxic' AS toxic
  FROM judgments WHERE error IS NULL AND label IN ('toxic', 'non_toxic')),
pairs AS (
  SELECT a.experiment, a.stage, a.judge AS judge_a, b.judge AS judge_b, a.toxic AS ta, b.toxic AS tb
  FROM labels a JOIN labels b USING (experiment, stage, run_id, prompt_id, sample_index)
  WHERE a.judge < b.judge),
rates AS (
  SELECT experiment, stage, judge_a, judge_b, count(*) AS samples,
         avg(CASE WHEN ta = tb THEN 1.0 ELSE 0.0 END) AS p_o,
         avg(CASE WHEN ta THEN 1.0 ELSE 0.0 END) AS rate_a, avg(CASE WHEN tb THEN 1.0 ELSE 0.0 END) AS rate_b
  FROM pairs GROUP BY experiment, stage, judge_a, judge_b)
SELECT experiment, stage, judge_a, judge_b, samples, p_o AS agreement, rate_a, rate_b,
       CASE WHEN 1 - (rate_a * rate_b + (1 - rate_a) * (1 - rate_b)) > 0
            THEN (p_o - (rate_a * rate_b + (1 - rate_a) * (1 - rate_b))) / (1 - (rate_a * rate_b + (1 - rate_a) * (1 - rate_b))) END AS kappa
FROM rates
ORDER BY experiment, stage, judge_a, judge_b
