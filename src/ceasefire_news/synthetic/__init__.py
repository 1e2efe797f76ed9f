"""Synthetic corpora derived from the gold articles: `synth` (labelled by construction), its scoring, and gold replicas for scale tests."""
