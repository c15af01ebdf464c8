"""Run folders for the report tests: two real training runs, an experiment folder, a doctor's findings."""

from __future__ import annotations

import json
import os

from trainlab.report.figures import new_figure, save
from trainlab.report.history import LossFigure
from trainlab.train.run import RunConfig, start_run

DOCTOR = {"healthy": False, "findings": [
    {"code": "dying_relu", "severity": "warning", "layer": "layers.0",
     "evidence": {"share of units never firing <b>": 0.41, "threshold": 0.5},
     "advice": ["lower the learning rate", "use LeakyReLU"]}]}
RESULTS = {"summary": "adaptive methods fit fastest & overfit most", "steps": 300,
           "ranking": [{"optimizer": "sgd", "best_val_loss": 0.82, "steps_to_target": 120},
                       {"optimizer": "adam", "best_val_loss": 1.23, "steps_to_target": 40},
                       {"optimizer": "rmsprop", "best_val_loss": 1.29, "steps_to_target": 35}]}


def make_runs(root: str) -> dict[str, str]:
    """``root/adam`` and ``root/sgd`` (trainings, ``adam`` with doctor.json), ``root/race`` (an experiment)."""
    folders = {}
    for name, optimizer, lr in (("adam", "adam", 1e-2), ("sgd", "sgd", 5e-2)):
        folder = folders[name] = os.path.join(root, name)
        start_run(folder, RunConfig(data="noisy_x2", hidden=[8], epochs=6, batch_size=35, optimizer=optimizer,
                                    lr=lr), progress=False,
                  callbacks=[LossFigure(os.path.join(folder, "loss.png"))])
    with open(os.path.join(folders["adam"], "doctor.json"), "w") as f:
        json.dump(DOCTOR, f)
    race = folders["race"] = os.path.join(root, "race")
    os.makedirs(race)
    with open(os.path.join(race, "results.json"), "w") as f:
        json.dump(RESULTS, f)
    with open(os.path.join(race, "config.json"), "w") as f:
        json.dump({"steps": 300, "seeds": 3}, f)
    fig, (ax,) = new_figure()
    ax.plot([0, 1, 2], [3, 1, 2])
    save(fig, os.path.join(race, "curves.png"))
    with open(os.path.join(race, "race.log"), "w") as f:
        f.write("race started\nrace done\n")
    return folders
