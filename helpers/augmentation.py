"""The report's augmentation (zoom, tilt, flip, slight aspect-ratio change, nearest fill) and balancing."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd

from helpers import config

AUGMENTED_PREFIX = "aug"
ZOOM = 0.15  # zoom in or out by up to 15 % (a fraction of the image size)
ASPECT = 0.05  # extra independent width zoom: a slight aspect-ratio change
ROTATION_DEGREES = 15.0  # the "tilt"
SHIFT = 0.05  # small translation, so faces are not always centred identically


def augmenter(seed: int = config.SEED) -> keras.Sequential:
    """A seeded stack of Keras preprocessing layers; a new one with the same seed repeats its images."""
    return keras.Sequential([
        keras.layers.RandomFlip("horizontal", seed=seed),
        keras.layers.RandomRotation(ROTATION_DEGREES / 360.0, fill_mode="nearest", seed=seed + 1),
        keras.layers.RandomZoom((-ZOOM, ZOOM), (-ZOOM - ASPECT, ZOOM + ASPECT), fill_mode="nearest", seed=seed + 2),
        keras.layers.RandomTranslation(SHIFT, SHIFT, fill_mode="nearest", seed=seed + 3),
    ], name="augmenter")


class AugmentedBatches(keras.utils.PyDataset):
    """Training batches augmented anew at every epoch and reshuffled (seeded); only ``model.fit`` sees them."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int = config.SEED) -> None:
        super().__init__()
        self.images, self.labels = np.asarray(images, np.float32), np.asarray(labels)
        self.batch_size = batch_size
        self.layers = augmenter(seed)
        self._rng = np.random.default_rng(seed)
        self._order = self._rng.permutation(len(self.images))

    def __len__(self) -> int:
        return int(np.ceil(len(self.images) / self.batch_size))

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        chosen = self._order[index * self.batch_size:(index + 1) * self.batch_size]
        batch = keras.ops.convert_to_numpy(self.layers(self.images[chosen], training=True))
        return np.clip(batch, 0.0, 1.0), self.labels[chosen]

    def on_epoch_end(self) -> None:
        self._order = self._rng.permutation(len(self.images))


def augment_images(images: np.ndarray, seed: int = config.SEED) -> np.ndarray:
    """Augmented copies of ``images`` (N >= 1, H, W, 3) in [0, 1], quantised to 8 bits like a saved image file."""
    layers = augmenter(seed)
    out = [keras.ops.convert_to_numpy(layers(images[start:start + 32], training=True))
           for start in range(0, len(images), 32)]  # batches keep memory flat
    return (np.rint(np.clip(np.concatenate(out), 0.0, 1.0) * 255.0) / 255.0).astype(np.float32)


def choose_sources(candidates: np.ndarray, count: int, seed: int = config.SEED) -> np.ndarray:
    """Pick ``count`` source indices at random, spreading them evenly (each used once before any twice)."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.permutation(candidates) for _ in range(-(-count // len(candidates)))])[:count]


def balance_by_augmentation(frame: pd.DataFrame, seed: int = config.SEED) -> pd.DataFrame:
    """The originals then augmented minority photos up to the majority's count, with ``source`` and ``augmented``."""
    labels = frame["sex"].to_numpy()
    counts = np.bincount(labels, minlength=2)
    minority = int(np.argmin(counts))
    if counts[minority] == 0:
        raise ValueError(f"Cannot balance by augmentation: there is no {config.CLASS_NAMES[minority]} image to "
                         "augment.")
    missing = int(counts.max() - counts.min())
    originals = frame.assign(source=frame["filename"], augmented=False).reset_index(drop=True)
    if missing == 0:
        return originals
    sources = choose_sources(np.flatnonzero(labels == minority), missing, seed)
    images = np.stack(frame["image_array"].to_numpy()[sources])
    new_images = augment_images(images, seed)
    source_names = frame["filename"].to_numpy()[sources]
    new = pd.DataFrame({"filename": [f"{AUGMENTED_PREFIX}-{i:03d}-{name}" for i, name in enumerate(source_names)],
                        "sex": minority, "image_array": list(new_images), "source": source_names, "augmented": True})
    return pd.concat([originals, new], ignore_index=True)


def leakage_table(frame: pd.DataFrame, splits: dict[str, np.ndarray]) -> pd.DataFrame:
    """How many test images share their source photo (their person) with an image of each other split."""
    sources = frame["source"].to_numpy()
    test = sources[splits["test"]]
    others = {name: idx for name, idx in splits.items() if name != "test"}
    rows = {f"shares a source with {name}": int(np.isin(test, sources[idx]).sum()) for name, idx in others.items()}
    elsewhere = sources[np.concatenate(list(others.values()))]
    rows["shares a source with any other split"] = int(np.isin(test, elsewhere).sum())
    rows["test images"] = len(test)
    rows["augmented test images"] = int(frame["augmented"].to_numpy()[splits["test"]].sum())
    return pd.Series(rows, name="test").to_frame()
