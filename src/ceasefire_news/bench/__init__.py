"""The benchmark: prediction files, the evaluator, baselines and task views."""
