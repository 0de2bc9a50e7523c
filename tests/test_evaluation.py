"""Metrics and the Youden threshold on hand-computed examples, figures and results files."""

from __future__ import annotations

import math
import os
import types
from datetime import UTC, datetime
from pathlib import Path

import keras
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers import config, evaluation, plots, storage, training

matplotlib.use("Agg")

Y = np.array([0, 0, 1, 1])
SCORES = np.array([0.1, 0.6, 0.4, 0.9])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ---- binary_metrics -----------------------------------------------------------------------------


def test_binary_metrics_hand_computed():
    # At 0.5: predictions 0,1,0,1 -> TN=1, FP=1, FN=1, TP=1. AUC: 3 of the 4 (female, male) pairs are ordered.
    result = evaluation.binary_metrics(Y, SCORES)
    assert result["accuracy"] == pytest.approx(0.5)
    assert result["precision"] == pytest.approx(0.5)
    assert result["recall"] == pytest.approx(0.5)
    assert result["f1"] == pytest.approx(0.5)
    assert result["auc"] == pytest.approx(0.75)
    assert result["balanced_accuracy"] == pytest.approx(0.5)
    assert result["threshold"] == 0.5
    assert result["loss"] == pytest.approx(-(2 * math.log(0.9) + 2 * math.log(0.4)) / 4)
    assert set(evaluation.METRIC_NAMES) <= set(result)
    assert all(type(value) is float for value in result.values())


def test_binary_metrics_threshold_effect():
    # At 0.35: predictions 0,1,1,1 -> TN=1, FP=1, FN=0, TP=2.
    result = evaluation.binary_metrics(Y, SCORES, threshold=0.35)
    assert result["accuracy"] == pytest.approx(0.75)
    assert result["precision"] == pytest.approx(2 / 3)
    assert result["recall"] == pytest.approx(1.0)
    assert result["f1"] == pytest.approx(0.8)
    assert result["balanced_accuracy"] == pytest.approx(0.75)
    assert result["threshold"] == 0.35
    # Threshold-free metrics do not move.
    at_half = evaluation.binary_metrics(Y, SCORES)
    assert result["auc"] == at_half["auc"]
    assert result["loss"] == at_half["loss"]


def test_binary_metrics_score_equal_to_threshold_is_positive():
    result = evaluation.binary_metrics([0, 1], [0.2, 0.6], threshold=0.6)
    assert result["recall"] == 1.0
    assert result["accuracy"] == 1.0


def test_binary_metrics_nothing_predicted_positive():
    result = evaluation.binary_metrics(Y, SCORES, threshold=0.95)
    assert result["precision"] == 0.0  # zero_division=0, no warning-driven NaN
    assert result["recall"] == 0.0
    assert result["f1"] == 0.0
    assert result["accuracy"] == 0.5


@pytest.mark.filterwarnings("ignore:y_pred contains classes not in y_true")
def test_binary_metrics_single_class():
    result = evaluation.binary_metrics([1, 1, 1], [0.9, 0.8, 0.3])
    assert math.isnan(result["auc"])
    assert result["recall"] == pytest.approx(2 / 3)
    assert result["loss"] == pytest.approx(-(math.log(0.9) + math.log(0.8) + math.log(0.3)) / 3)


def test_binary_metrics_clips_certain_mistakes():
    result = evaluation.binary_metrics([0, 1], [1.0, 0.0])
    assert math.isfinite(result["loss"])
    assert result["loss"] == pytest.approx(-math.log(1e-7), rel=1e-6)


# ---- youden_threshold ---------------------------------------------------------------------------


def assert_valid_threshold(y, scores, threshold):
    assert math.isfinite(threshold)
    assert threshold in set(np.asarray(scores, dtype=float).tolist())


def test_youden_perfectly_separable():
    y, scores = [0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]
    threshold = evaluation.youden_threshold(y, scores)
    assert threshold == 0.8
    assert_valid_threshold(y, scores, threshold)
    result = evaluation.binary_metrics(y, scores, threshold)
    assert result["accuracy"] == 1.0


def test_youden_hand_example():
    # thresholds: 0.9 -> J=0.5, 0.6 -> J=0 (TPR 1/2, FPR 1/2), 0.4 -> J=0.5, 0.1 -> 0. Ties go to the higher.
    threshold = evaluation.youden_threshold(Y, SCORES)
    assert threshold == 0.9
    assert evaluation.confusion(Y, SCORES, threshold).tolist() == [[2, 0], [1, 1]]


def test_youden_tied_j_goes_to_the_highest_threshold():
    y = [0, 0, 1, 0, 1, 1]
    scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    # J = TPR - FPR: 0.6 -> 1/3, 0.5 -> 2/3, 0.4 -> 1/3, 0.3 -> 2/3, 0.2 -> 1/3, 0.1 -> 0.
    threshold = evaluation.youden_threshold(y, scores)
    assert threshold == 0.5
    assert_valid_threshold(y, scores, threshold)


def test_youden_tied_scores():
    # The male at 0.6 shares his score with two females: the threshold 0.6 takes all three.
    y = [0, 0, 1, 1, 1]
    scores = [0.2, 0.6, 0.6, 0.6, 0.9]
    # J: 0.9 -> 1/3, 0.6 -> 1 - 1/2 = 1/2, 0.2 -> 0.
    threshold = evaluation.youden_threshold(y, scores)
    assert threshold == 0.6
    assert_valid_threshold(y, scores, threshold)
    predicted = (np.array(scores) >= threshold).astype(int)
    assert predicted.tolist() == [0, 1, 1, 1, 1]
    result = evaluation.binary_metrics(y, scores, threshold)
    assert result["recall"] == 1.0
    assert result["precision"] == pytest.approx(0.75)


def test_youden_never_returns_infinity():
    # Inverted scores: every finite threshold has J <= 0 while the +inf start of the ROC curve has J = 0.
    y, scores = [1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]
    threshold = evaluation.youden_threshold(y, scores)
    assert_valid_threshold(y, scores, threshold)
    assert threshold == 0.1
    constant = evaluation.youden_threshold([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])
    assert constant == 0.5


def test_youden_random_scores_are_optimal():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 60)
    scores = np.round(rng.random(60) * 0.6 + 0.4 * y, 2)  # rounding creates ties
    threshold = evaluation.youden_threshold(y, scores)
    assert_valid_threshold(y, scores, threshold)

    def j(t):
        predicted = scores >= t
        return predicted[y == 1].mean() - predicted[y == 0].mean()

    best = max(j(t) for t in np.unique(scores))
    assert j(threshold) == pytest.approx(best)
    assert threshold == max(t for t in np.unique(scores) if j(t) == pytest.approx(best))


# ---- confusion and comparison -------------------------------------------------------------------


def test_confusion_rows_are_true_columns_predicted():
    y = [0, 0, 0, 1]
    scores = [0.9, 0.1, 0.2, 0.8]
    matrix = evaluation.confusion(y, scores)
    assert matrix.tolist() == [[2, 1], [0, 1]]  # one male called female, the female found
    assert evaluation.confusion(Y, SCORES, 0.35).tolist() == [[1, 1], [0, 2]]
    assert evaluation.confusion([0, 0], [0.1, 0.2]).shape == (2, 2)


def test_comparison_table():
    table = evaluation.comparison_table(
        {"report": {"accuracy": 0.87037, "auc": 0.93829}, "ours": {"accuracy": 0.9, "f1": 0.123456, "auc": 0.95}}
    )
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == ["report", "ours"]
    assert list(table.index) == list(evaluation.METRIC_NAMES)
    assert table.loc["accuracy", "report"] == 0.8704
    assert table.loc["f1", "ours"] == 0.1235
    assert math.isnan(table.loc["f1", "report"])
    assert math.isnan(table.loc["loss", "ours"])
    custom = evaluation.comparison_table({"a": {"auc": 0.5}}, metrics=("auc",))
    assert custom.shape == (1, 1)


# ---- figures ------------------------------------------------------------------------------------


def assert_png(path: str, folder: Path) -> None:
    path = Path(path)
    assert path.parent == folder
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 1000


def test_plots_return_figures_and_save_as_png(output_dir):
    figures = Path(os.environ[config.OUTPUT_ENV_VAR]) / "figures"
    history = {"loss": [0.7, 0.5], "val_loss": [0.8, 0.6], "accuracy": [0.5, 0.7], "val_accuracy": [0.4, 0.6]}
    made = {
        "test_roc": evaluation.plot_roc(Y, SCORES, "ROC"),
        "test_roc_threshold": evaluation.plot_roc(Y, SCORES, "ROC", threshold=0.4),
        "test_confusion": evaluation.plot_confusion(Y, SCORES, 0.5, "confusion"),
        "test_history": evaluation.plot_history(history, "toy"),
    }
    for name, fig in made.items():
        assert isinstance(fig, matplotlib.figure.Figure)
        path = plots.save_figure(fig, name)
        assert isinstance(path, str)
        assert Path(path).name == f"{name}.png"
        assert_png(path, figures)
    assert figures.parent == output_dir
    assert not [p for p in figures.iterdir() if p.name.startswith(".")]  # no temp file left


def test_plot_contents():
    fig = evaluation.plot_roc(Y, SCORES, "ROC", threshold=0.35)
    ax = fig.axes[0]
    assert "AUC = 0.750" in ax.get_legend_handles_labels()[1][0]
    point = ax.collections[0].get_offsets()[0]
    assert point.tolist() == pytest.approx([0.5, 1.0])  # FPR 1/2, TPR 1 at 0.35
    heat = evaluation.plot_confusion([0, 0, 0, 1], [0.9, 0.1, 0.2, 0.8], 0.5, "cm")
    texts = [t.get_text() for t in heat.axes[0].texts]
    assert texts == ["2", "1", "0", "1"]
    history = evaluation.plot_history(
        {"loss": [3, 2, 1], "val_loss": [3, 3, 2], "accuracy": [0, 1, 1], "val_accuracy": [0, 0, 1]}, "t"
    )
    assert len(history.axes) == 2
    assert history.axes[0].lines[0].get_xdata().tolist() == [1, 2, 3]


def test_roc_figure_says_what_its_axes_mean_and_labels_the_threshold():
    fig = evaluation.plot_roc(Y, SCORES, "Final CNN: test ROC", threshold=0.35)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "false-positive rate (male photos called female)"
    assert ax.get_ylabel() == "true-positive rate (female photos found)"
    [note] = [t for t in ax.texts if "threshold 0.350" in t.get_text()]
    assert note.xy == pytest.approx((0.5, 1.0)), "the label points at the operating point"
    assert "FPR 0.50, TPR 1.00" in note.get_text()
    assert plots.readability_problems(fig) == []


def test_confusion_figure_names_the_classes_in_words_with_large_counts():
    fig = evaluation.plot_confusion([0, 0, 0, 1], [0.9, 0.1, 0.2, 0.8], 0.5, "Final CNN, test, threshold 0.5")
    ax = fig.axes[0]
    assert len(fig.axes) == 1, "no colour bar"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    assert [t.get_text() for t in ax.get_xticklabels()] == list(config.CLASS_NAMES)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(config.CLASS_NAMES)
    assert min(t.get_fontsize() for t in ax.texts) >= 20
    assert plots.readability_problems(fig) == []


def test_plot_history_marks_the_epoch_of_lowest_validation_loss_as_restored():
    values = {"loss": [0.7, 0.5, 0.4, 0.3], "val_loss": [0.8, 0.6, 0.65, 0.7],
              "accuracy": [0.5, 0.7, 0.8, 0.9], "val_accuracy": [0.4, 0.6, 0.6, 0.55]}
    fig = evaluation.plot_history(values, "Baseline CNN")
    [star] = [line for line in fig.axes[0].lines if line.get_gid() == "restored"]
    assert (star.get_xdata()[0], star.get_ydata()[0]) == (2, 0.6)
    assert "weights restored (epoch 2)" in [t.get_text() for t in fig.legends[0].get_texts()]
    loss_ax, accuracy_ax = fig.axes
    assert "loss" in loss_ax.get_ylabel() and "val_loss" not in loss_ax.get_ylabel()
    assert accuracy_ax.get_ylabel().startswith("accuracy")
    assert fig._suptitle.get_text() == "Baseline CNN"
    assert plots.readability_problems(fig) == []
    history = types.SimpleNamespace(history=values)  # a Keras History works as well
    assert len(evaluation.plot_history(history, "t").axes) == 2


def test_save_figure_explicit_root(tmp_path):
    fig = evaluation.plot_roc(Y, SCORES, "ROC")
    path = plots.save_figure(fig, "roc", root=tmp_path)
    assert_png(path, tmp_path / "figures")


# ---- results files ------------------------------------------------------------------------------


def test_results_round_trip(output_dir):
    payload = {"test": evaluation.binary_metrics(Y, SCORES), "epochs": np.int64(7), "threshold": np.float32(0.25)}
    path = evaluation.write_results("test_notebook", payload)
    assert Path(path) == output_dir / "results" / "test_notebook.json"
    loaded = storage.load_json(config.results_dir() / "test_notebook.json")
    assert loaded["epochs"] == 7
    assert loaded["threshold"] == 0.25
    assert loaded["test"] == payload["test"]


def test_results_record_where_they_came_from(tmp_path):
    evaluation.write_results("nb", {"seed": 7}, root=tmp_path)
    env = storage.load_json(config.results_dir(tmp_path) / "nb.json")["environment"]
    assert set(env) == {"python", "tensorflow", "keras", "numpy", "keras_backend", "device", "precision", "seed",
                        "git_commit", "date", "wall_seconds"}
    assert env["seed"] == 7 and env["keras_backend"] == "tensorflow" and env["precision"] == "float32"
    assert env["keras"] == keras.__version__ and env["numpy"] == np.__version__
    assert env["device"].startswith("CPU: ") or env["device"]  # a CPU model, or the GPUs the backend sees
    assert env["date"] == datetime.now(UTC).strftime("%Y-%m-%d") and env["wall_seconds"] >= 0
    assert len(env["git_commit"]) >= 7


def test_results_explicit_root(tmp_path):
    evaluation.write_results("nb", {"a": 1}, root=tmp_path)
    assert (tmp_path / "results" / "nb.json").exists()
    loaded = storage.load_json(config.results_dir(tmp_path) / "nb.json")
    assert loaded["a"] == 1 and set(loaded) == {"a", "environment"}
    with pytest.raises(FileNotFoundError):
        storage.load_json(config.results_dir(tmp_path) / "other.json")


# ---- shared evaluation blocks of notebooks 02 and 04 ----------------------------------------------


class _ConstantModel:
    """Stands in for a Keras model: predicts given scores."""

    def __init__(self, scores_by_size: dict[int, np.ndarray]) -> None:
        self.scores_by_size = scores_by_size

    def predict(self, images, batch_size=32, verbose=0):
        return self.scores_by_size[len(images)].reshape(-1, 1)


def test_evaluate_model_chooses_the_threshold_on_validation_only():
    val_scores, test_scores = np.array([0.2, 0.4, 0.6, 0.8]), np.array([0.1, 0.45, 0.5, 0.9, 0.3])
    model = _ConstantModel({4: val_scores, 5: test_scores})
    y_val, y_test = np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1, 0])
    evaluated, scores = evaluation.evaluate_model(model, (np.zeros((4, 2)), y_val), (np.zeros((5, 2)), y_test))
    assert scores.tolist() == test_scores.tolist()
    assert evaluated["threshold"] == evaluation.youden_threshold(y_val, val_scores) == 0.6
    assert evaluated["test_at_threshold"]["accuracy"] == pytest.approx(0.6)


def test_save_test_figures_saves_the_three_standard_figures(tmp_path):
    evaluation.save_test_figures(Y, SCORES, 0.4, "Toy", "99", tmp_path)
    names = sorted(p.name for p in (tmp_path / "figures").iterdir())
    assert names == ["99_confusion_matrix_0.5.png", "99_confusion_matrix_threshold.png", "99_roc_curve.png"]
    plt.close("all")


def test_training_summary_fields():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    history = types.SimpleNamespace(history={"loss": [3, 2, 1, 1.5], "val_loss": [3, 1, 2, 2.5]})
    recipe = training.Recipe(epochs=4)
    summary = evaluation.training_summary(model, history, recipe, {"train": np.arange(5), "test": np.arange(2)}, 23)
    assert summary == {"seed": 23, "split_sizes": {"train": 5, "test": 2},
                       "parameters": {"total": 4, "trainable": 4, "non_trainable": 0},
                       "recipe": recipe.as_dict(), "epochs_run": 4, "best_epoch": 2}
