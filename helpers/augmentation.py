"""The report's augmentation (zoom, tilt, flip, slight aspect-ratio change, nearest fill) and balancing."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import pandas as pd

from helpers import config

AUGMENTED_PREFIX = "aug"


@dataclass(frozen=True)
class AugmentationStrength:
    """Ranges of the random transformations (fractions of the image size, degrees)."""

    zoom: float = 0.15  # zoom in or out by up to 15 %
    aspect: float = 0.05  # extra independent width zoom: a slight aspect-ratio change
    rotation_degrees: float = 15.0  # the "tilt"
    shift: float = 0.05  # small translation, so faces are not always centred identically


def augmenter(seed: int = config.SEED, strength: AugmentationStrength = AugmentationStrength()) -> keras.Sequential:
    """A seeded stack of Keras preprocessing layers; a new one with the same seed repeats its images."""
    zoom = (-strength.zoom, strength.zoom)
    width_zoom = (-strength.zoom - strength.aspect, strength.zoom + strength.aspect)
    return keras.Sequential([
        keras.layers.RandomFlip("horizontal", seed=seed),
        keras.layers.RandomRotation(strength.rotation_degrees / 360.0, fill_mode="nearest", seed=seed + 1),
        keras.layers.RandomZoom(zoom, width_zoom, fill_mode="nearest", seed=seed + 2),
        keras.layers.RandomTranslation(strength.shift, strength.shift, fill_mode="nearest", seed=seed + 3),
    ], name="augmenter")


class AugmentedBatches(keras.utils.PyDataset):
    """Training batches augmented anew at every epoch and reshuffled (seeded); only ``model.fit`` sees them."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int = config.SEED,
                 strength: AugmentationStrength = AugmentationStrength()) -> None:
        super().__init__()
        self.images, self.labels = np.asarray(images, np.float32), np.asarray(labels)
        self.batch_size = batch_size
        self.layers = augmenter(seed, strength)
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


def augment_images(images: np.ndarray, seed: int = config.SEED,
                   strength: AugmentationStrength = AugmentationStrength()) -> np.ndarray:
    """Augmented copies of ``images`` (N, H, W, 3) in [0, 1], quantised to 8 bits like a saved image file."""
    layers = augmenter(seed, strength)
    out = []
    for start in range(0, len(images), 32):  # batches keep memory flat
        batch = keras.ops.convert_to_numpy(layers(images[start:start + 32], training=True))
        out.append(batch)
    augmented = np.clip(np.concatenate(out), 0.0, 1.0) if out else np.zeros((0, *images.shape[1:]), np.float32)
    return (np.rint(augmented * 255.0) / 255.0).astype(np.float32)


def choose_sources(candidates: np.ndarray, count: int, seed: int = config.SEED) -> np.ndarray:
    """Pick ``count`` source indices at random, spreading them evenly (each used once before any twice)."""
    rng = np.random.default_rng(seed)
    rounds = [rng.permutation(candidates) for _ in range(int(np.ceil(count / max(len(candidates), 1))))]
    return np.concatenate(rounds)[:count] if rounds else np.array([], dtype=int)


def balance_by_augmentation(frame: pd.DataFrame, seed: int = config.SEED,
                            strength: AugmentationStrength = AugmentationStrength()) -> pd.DataFrame:
    """The originals then augmented minority photos up to the majority's count, with ``source`` and ``augmented``."""
    labels = frame["sex"].to_numpy()
    counts = np.bincount(labels, minlength=2)
    if counts.min() == 0:
        missing_class = config.CLASS_NAMES[int(np.argmin(counts))]
        raise ValueError(f"Cannot balance by augmentation: there is no {missing_class} image to augment.")
    minority = int(np.argmin(counts))
    missing = int(counts.max() - counts.min())
    originals = frame.assign(source=frame["filename"], augmented=False).reset_index(drop=True)
    if missing == 0:
        return originals
    sources = choose_sources(np.flatnonzero(labels == minority), missing, seed)
    images = np.stack(frame["image_array"].to_numpy()[sources])
    new_images = augment_images(images, seed, strength)
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
