"""The two architectures, pinned to the report's parameter counts."""

from __future__ import annotations

import keras
import pandas as pd
import pytest

from helpers import models, published

BASELINE_TYPES = ["Conv2D", "MaxPooling2D", "BatchNormalization"] * 3 + ["Flatten", "Dense", "Dropout", "Dense"]
FINAL_TYPES = ["Conv2D", "MaxPooling2D", "BatchNormalization"] * 4 + [
    "GlobalAveragePooling2D",
    "Dense",
    "Dropout",
    "Dense",
]


@pytest.fixture(scope="module")
def baseline():
    return models.build_baseline_model()


@pytest.fixture(scope="module")
def final():
    return models.build_final_model()


def layer_types(model: keras.Model) -> list[str]:
    return [type(layer).__name__ for layer in model.layers]


def test_baseline_parameter_counts(baseline):
    assert baseline.count_params() == 1_390_113
    assert models.parameter_counts(baseline) == (1_389_889, 224)
    assert published.BASELINE_PARAMS == {"total": 1_390_113, "trainable": 1_389_889, "non_trainable": 224}


def test_baseline_layers(baseline):
    assert layer_types(baseline) == BASELINE_TYPES
    assert baseline.input_shape == (None, 250, 200, 3)
    assert baseline.output_shape == (None, 1)
    assert baseline.layers[-1].activation is keras.activations.sigmoid
    assert [layer.filters for layer in baseline.layers if isinstance(layer, keras.layers.Conv2D)] == [16, 32, 64]
    assert all(layer.kernel_size == (3, 3) for layer in baseline.layers if isinstance(layer, keras.layers.Conv2D))
    assert baseline.layers[-3].units == 32
    assert baseline.layers[-2].rate == models.BASELINE_DROPOUT == 0.5


def test_final_parameter_counts(final):
    assert final.count_params() == 423_361
    assert models.parameter_counts(final) == (422_401, 960)
    assert published.FINAL_PARAMS == {"total": 423_361, "trainable": 422_401, "non_trainable": 960}


def test_final_layers(final):
    assert layer_types(final) == FINAL_TYPES
    assert final.output_shape == (None, 1)
    assert final.layers[-1].activation is keras.activations.sigmoid
    convs = [layer for layer in final.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [layer.filters for layer in convs] == [32, 64, 128, 256]
    for layer in convs:
        assert isinstance(layer.kernel_regularizer, keras.regularizers.L2)
        assert layer.kernel_regularizer.l2 == pytest.approx(models.FINAL_L2)
    dense = [layer for layer in final.layers if isinstance(layer, keras.layers.Dense)]
    assert all(layer.kernel_regularizer is None for layer in dense)
    assert dense[0].units == 128
    dropout = final.layers[-2]
    assert isinstance(dropout, keras.layers.Dropout)
    assert dropout.rate == 0.5
    assert all(  # the final recipe's momentum by default: Keras' 0.99 makes every score one-sided (notebook 04)
        layer.momentum == pytest.approx(models.FINAL_BATCHNORM_MOMENTUM) == pytest.approx(0.9)
        for layer in final.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    )


def test_final_l2_loss_is_applied(final):
    # Four regularised kernels: the model's losses hold one penalty each.
    assert len(final.losses) == 4
    assert all(float(loss) > 0 for loss in final.losses)


def test_final_parameters_do_not_depend_on_input_size():
    small = models.build_final_model(input_shape=(64, 48, 3))
    assert small.count_params() == 423_361


def test_layer_table(baseline):  # the deck's architecture slides and the results files list the layers so
    from helpers.reporting import results

    table = pd.DataFrame(results.layer_table(baseline))
    assert list(table.columns) == ["layer", "type", "params", "output_shape"]
    assert len(table) == len(baseline.layers) and table["params"].sum() == 1_390_113
    assert table["type"].tolist() == BASELINE_TYPES
    first = table.iloc[0]
    assert (first["layer"], first["output_shape"], first["params"]) == ("conv2d", "(None, 248, 198, 16)", 448)
    assert table.iloc[-1]["output_shape"] == "(None, 1)"
    assert table.set_index("layer").loc["flatten", "output_shape"] == "(None, 42688)"  # 29 x 23 x 64


def test_final_layer_table(final):
    from helpers.reporting import results

    table = pd.DataFrame(results.layer_table(final))
    assert table["params"].sum() == 423_361 and models.parameter_counts(final) == (422_401, 960)
    assert table.set_index("layer").loc["global_average_pooling2d", "output_shape"] == "(None, 256)"


def test_layer_names_are_stable():
    expected = [
        "conv2d", "max_pooling2d", "batch_normalization",
        "conv2d_1", "max_pooling2d_1", "batch_normalization_1",
        "conv2d_2", "max_pooling2d_2", "batch_normalization_2",
    ]  # fmt: skip
    first, second = models.build_baseline_model(), models.build_baseline_model()
    assert [layer.name for layer in first.layers][:9] == expected
    assert [layer.name for layer in first.layers] == [layer.name for layer in second.layers]
    assert [layer.name for layer in first.layers][9:] == ["flatten", "dense", "dropout", "dense_1"]
    finals = models.build_final_model(), models.build_final_model()
    assert [layer.name for layer in finals[0].layers] == [layer.name for layer in finals[1].layers]
    assert models.conv_layer_names(finals[1]) == ["conv2d", "conv2d_1", "conv2d_2", "conv2d_3"]
    assert models.conv_layer_names(second) == ["conv2d", "conv2d_1", "conv2d_2"]


def test_the_report_layer_tables_add_up_to_its_totals() -> None:
    assert sum(p for _, _, p in published.BASELINE_LAYERS) == published.BASELINE_PARAMS["total"]
    assert sum(p for _, _, p in published.FINAL_LAYERS) == published.FINAL_PARAMS["total"]
    ours = [layer.count_params() for layer in models.build_final_model().layers]
    assert ours == [p for _, _, p in published.FINAL_LAYERS]
    assert [layer.count_params() for layer in models.build_baseline_model().layers] == [
        p for _, _, p in published.BASELINE_LAYERS]
