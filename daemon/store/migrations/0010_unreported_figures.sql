-- A figure a run did not report (a tool that prints no percentiles, a DPU
-- runner that prints only a mean, a model without an op count) used to be
-- stored as 0, which reads as a measurement. From here on it is NULL; runs
-- stored before get the same. A latency, percentile, bound or throughput of
-- exactly 0 is never measured, so those zeros all meant "not reported". A
-- standard deviation of 0 can be real (identical samples), so it becomes
-- NULL only where it cannot be: one sample, or no samples to take it from.
UPDATE runs SET
  mean_us      = nullif(mean_us, 0),
  min_us       = nullif(min_us, 0),
  max_us       = nullif(max_us, 0),
  median_us    = nullif(median_us, 0),
  p90_us       = nullif(p90_us, 0),
  p95_us       = nullif(p95_us, 0),
  p99_us       = nullif(p99_us, 0),
  ci95_low_us  = nullif(ci95_low_us, 0),
  ci95_high_us = nullif(ci95_high_us, 0),
  fps          = nullif(fps, 0),
  gops         = nullif(gops, 0),
  std_us       = CASE WHEN std_us = 0 AND (coalesce(latency_count, 0) <= 1
                          OR NOT EXISTS (SELECT 1 FROM latency_samples ls WHERE ls.run_id = runs.id))
                      THEN NULL ELSE std_us END
WHERE state = 'succeeded'
  AND 0 IN (mean_us, min_us, max_us, median_us, p90_us, p95_us, p99_us, ci95_low_us, ci95_high_us,
            fps, gops, std_us);
