"""The lesson's code in the notebooks and the helpers' reference copies (used by notebook 06 and the studies)
must build the same networks: a student reads one, the repeated-split evaluation trains the other."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import augmentation, config, models

ROOT = Path(__file__).resolve().parent.parent
REFERENCES = {
    ("02_baseline_model.ipynb", "baseline"): lambda: models.build_baseline_model(),
    ("04_final_model.ipynb", "final"): lambda: models.build_final_model(),
    ("03_balancing_augmentation.ipynb", "augmenter"): lambda: augmentation.augmenter(config.SEED),
}


def tagged_source(notebook: str, name: str) -> str:
    """The source of the one cell of ``notebook`` tagged ``reference-model:<name>``."""
    cells = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))["cells"]
    found = ["".join(c["source"]) for c in cells if f"reference-model:{name}" in c.get("metadata", {}).get("tags", [])]
    assert len(found) == 1, f"{notebook} must have exactly one cell tagged reference-model:{name}"
    return found[0]


def notebook_model(notebook: str, name: str) -> keras.Model:
    """Run the tagged cell as the notebook would (after its imports and data cells) and return its ``model``."""
    namespace: dict[str, Any] = {"keras": keras, "tf": tf, "np": np, "SEED": config.SEED,
                                 "x_train": np.zeros((1, *config.INPUT_SHAPE), "float32")}
    exec(compile(tagged_source(notebook, name), f"{notebook}:{name}", "exec"), namespace)  # noqa: S102
    return namespace["augment" if name == "augmenter" else "model"]


def signature(model: keras.Model) -> list[tuple[str, dict[str, Any]]]:
    """Each layer's type and configuration, without the auto-generated layer name."""
    return [(type(layer).__name__, {k: v for k, v in layer.get_config().items() if k != "name"})
            for layer in model.layers]


@pytest.mark.parametrize(("notebook", "name"), list(REFERENCES), ids=lambda v: str(v))
def test_the_notebooks_model_is_the_reference_copy(notebook: str, name: str) -> None:
    mine, reference = notebook_model(notebook, name), REFERENCES[(notebook, name)]()
    assert signature(mine) == signature(reference)
    if name != "augmenter":  # the augmentation layers hold no weights
        assert models.parameter_counts(mine) == models.parameter_counts(reference)


def test_a_changed_layer_is_caught() -> None:
    source = tagged_source("04_final_model.ipynb", "final").replace("Dense(128", "Dense(64")
    namespace: dict[str, Any] = {"keras": keras, "tf": tf, "np": np, "SEED": config.SEED,
                                 "x_train": np.zeros((1, *config.INPUT_SHAPE), "float32")}
    exec(compile(source, "changed", "exec"), namespace)  # noqa: S102
    assert signature(namespace["model"]) != signature(models.build_final_model())


def test_the_standardised_model_of_notebook_08_has_the_same_weights() -> None:
    """Notebook 08 builds notebook 04's network with the standardisation layer in front (the helpers' copy): the
    layer adds no weight, so the network keeps the report's parameter count."""
    plain, standardised = models.build_final_model(), models.build_final_model((125, 100, 3), standardise=True)
    assert models.parameter_counts(standardised) == models.parameter_counts(plain) == (422_401, 960)
    assert isinstance(standardised.layers[0], models.PerImageStandardisation)
