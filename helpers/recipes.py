"""How a CNN is trained (a ``Recipe``) and how the final CNN is trained and used (a ``Variant``): plain data, no
TensorFlow, so that the reporting reads them too."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True)
class Recipe:
    """How a model is trained: everything the report left unstated, made explicit."""

    learning_rate: float = 1e-3
    batch_size: int = 16
    epochs: int = 40
    monitor: str = "val_loss"
    mode: str = "min"
    patience: int = 8
    reduce_lr_patience: int | None = None  # halve the learning rate after this many flat epochs
    min_learning_rate: float = 1e-5
    online_augmentation: bool = False  # augment every training batch anew each epoch (helpers.augmentation)
    ema_momentum: float | None = None  # exponential moving average of the weights, swapped in at each epoch end
    # Issue 19's levers against jumpy training (all off in recipe D):
    cosine: bool = False  # cosine decay of the learning rate over ``epochs`` (replaces reduce_lr_patience)
    warmup_epochs: int = 0  # linear warm-up from a tenth of ``learning_rate`` (with ``cosine`` only)
    weight_decay: float | None = None  # AdamW's decoupled weight decay (beside the model's L2), not on biases/BN
    label_smoothing: float = 0.0  # targets 0/1 pulled towards 0.5 by this much
    reestimate_batchnorm: bool = False  # after training, batch-norm statistics from the whole training set

    def __post_init__(self) -> None:
        if self.cosine and self.reduce_lr_patience:
            raise ValueError("a recipe has one learning-rate schedule: cosine or reduce_lr_patience, not both")
        if self.warmup_epochs and not self.cosine:
            raise ValueError("warmup_epochs needs cosine=True (the warm-up leads into the cosine decay)")
        if not 0.0 <= self.label_smoothing < 0.5:
            raise ValueError(f"label_smoothing must be in [0, 0.5), not {self.label_smoothing}")

    def as_dict(self) -> dict:
        """Plain values, for the results file."""
        return asdict(self)

    def capped(self, epochs_cap: int | None) -> Recipe:
        """This recipe with at most ``epochs_cap`` epochs (None: its own)."""
        return self if epochs_cap is None else replace(self, epochs=min(self.epochs, int(epochs_cap)))


# Notebook 02 (and 06): the report's "EarlyStopping on validation", made explicit.
# 100 epochs: with the earlier cap of 40 the best epoch was the 39th, so early stopping never had its say.
BASELINE_RECIPE = Recipe(learning_rate=1e-3, batch_size=16, epochs=100, monitor="val_loss", mode="min", patience=8)

# Notebook 04 (and 06): chosen by the recipe comparison shown in notebook 04.
FINAL_RECIPE = Recipe(learning_rate=1e-3, batch_size=16, epochs=40, monitor="val_loss", mode="min", patience=15,
                      reduce_lr_patience=5)

# Notebook 04's search compares recipe D (FINAL_RECIPE) with one change each.
RECIPES: dict[str, Recipe] = {
    "D": FINAL_RECIPE,
    "D+online": replace(FINAL_RECIPE, online_augmentation=True),
    "D+ema": replace(FINAL_RECIPE, ema_momentum=0.9),
    "D+online+ema": replace(FINAL_RECIPE, online_augmentation=True, ema_momentum=0.9),
    "D+smooth": replace(FINAL_RECIPE, label_smoothing=0.1),  # issue 19's levers study (notebook 08)
}


@dataclass(frozen=True)
class Variant:
    """The final CNN as the studies train and use it; its ``name`` (``"D+smooth+std+sketch+ens2+tta"``) is how
    results files and command lines write it."""

    recipe: str = "D"  # a key of RECIPES
    models: int = 1  # an ensemble of models trained with seeds s, s + 1000, ..., their scores averaged
    flip_tta: bool = False  # each score averaged with the mirror image's
    standardise: bool = False  # per-image standardisation in the model
    sketches: bool = False  # the training people's sketches added to the training images

    def __post_init__(self) -> None:
        if self.recipe not in RECIPES or self.models < 1:
            raise ValueError(f"no variant with recipe {self.recipe!r} and {self.models} model(s); "
                             f"recipes: {sorted(RECIPES)}")

    @classmethod
    def parse(cls, name: str) -> Variant:
        """``"D+online+ens3+tta"`` -> recipe ``"D+online"``, 3 models, flip TTA."""
        parts = name.split("+")
        sizes = [int(p[3:]) for p in parts if re.fullmatch(r"ens\d+", p)]
        recipe = "+".join(p for p in parts if p not in ("tta", "std", "sketch") and not re.fullmatch(r"ens\d+", p))
        if recipe not in RECIPES or len(sizes) > 1:
            raise ValueError(f"cannot read the variant name {name!r}; recipes: {sorted(RECIPES)}")
        return cls(recipe, sizes[0] if sizes else 1, "tta" in parts, "std" in parts, "sketch" in parts)

    @property
    def name(self) -> str:
        return "+".join([self.recipe, *(["std"] if self.standardise else []), *(["sketch"] if self.sketches else []),
                         *([f"ens{self.models}"] if self.models > 1 else []), *(["tta"] if self.flip_tta else [])])

    def training(self, epochs_cap: int | None = None) -> Recipe:
        """The recipe each member is trained with, capped at ``epochs_cap`` epochs."""
        return RECIPES[self.recipe].capped(epochs_cap)
