"""A/B tests on numbers.

statistics: the two-proportion z-test, chance to beat, the sample-ratio check;
sample_size: how many visitors and days a test needs; recording: storing an
experiment's results; conclusions: whether a declared result stands on them;
readings: how the numbers read for people; student_t: Student's t without
SciPy; means: Welch's t-test for mean metrics; corrections: Holm and
Benjamini–Hochberg; guardrails: non-inferiority against a margin; sequential:
always-valid p-values; decisions: the recommendation from the pre-registered
rules; results_files: the results exports of A/B testing tools read into rows.
"""
