"""A Gaussian-process emulator of the history run: from the parameter sets simulated so far, what
each target would be at a parameter set not simulated, and how unsure that guess is.

One process per target (scikit-learn's GaussianProcessRegressor: a constant times an RBF with a
length scale per parameter, plus white noise for the model's own noise in one replication), on
parameters scaled to the prior's unit box. The emulator lets calibration weigh tens of thousands
of parameter sets when it can afford to simulate hundreds (Vernon et al. 2010; Andrianakis et
al. 2015); fresh runs at posterior draws check it (`check_predictions`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from sim.config import ScenarioError

NUGGET_BOUNDS = (1e-6, 1e1)  # white noise as a share of the target's variance over the runs
LENGTH_BOUNDS = (1e-2, 1e2)  # length scales in units of the prior's range


@dataclass(frozen=True)
class Emulator:
    """A fitted process per target, and the prior box the parameters are scaled by."""

    low: np.ndarray
    high: np.ndarray
    processes: tuple  # per target (process, mean, sd of the runs), None where no run gave one

    def predict(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per parameter set and target: the emulated mean, the sd of that mean (the emulator's
        own uncertainty), and the sd of one replication around it (the fitted white noise)."""
        unit = (values - self.low) / (self.high - self.low)
        shape = (len(values), len(self.processes))
        mean, sd, noise = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
        for j, fitted in enumerate(self.processes):
            if fitted is None:
                continue
            gp, centre, spread = fitted
            standard, total_sd = gp.predict(unit, return_std=True)  # the white noise included
            white = np.sqrt(gp.kernel_.k2.noise_level)
            mean[:, j] = centre + spread * standard
            noise[:, j] = spread * white
            sd[:, j] = spread * np.sqrt(np.maximum(total_sd ** 2 - white ** 2, 0.0))
        return mean, sd, noise


def fit(values: np.ndarray, simulated: np.ndarray, low: np.ndarray, high: np.ndarray,
        seed: int) -> Emulator:
    """Fit one process per target to the runs (rows where the target is NaN left out)."""
    try:
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
    except ImportError as exc:
        raise ScenarioError("calibrate", "emulator", "needs the calibration extra "
                            f"({exc.name} is missing): pip install -e '.[calibration]'") from None
    unit = (values - low) / (high - low)
    processes = []
    for j in range(simulated.shape[1]):
        keep = np.isfinite(simulated[:, j])
        if np.count_nonzero(keep) < 2:
            processes.append(None)
            continue
        kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(len(low), 0.5), LENGTH_BOUNDS) \
            + WhiteKernel(0.1, NUGGET_BOUNDS)
        y = simulated[keep, j]
        centre, spread = float(y.mean()), float(y.std()) or 1.0
        gp = GaussianProcessRegressor(kernel, n_restarts_optimizer=2, random_state=seed)
        with warnings.catch_warnings():  # few runs leave a bound active: the fit is still used
            warnings.simplefilter("ignore")
            gp.fit(unit[keep], (y - centre) / spread)
        processes.append((gp, centre, spread))
    return Emulator(low, high, tuple(processes))


def check_predictions(emulated: tuple[np.ndarray, np.ndarray, np.ndarray],
                      simulated: np.ndarray) -> dict[str, np.ndarray]:
    """The emulator's predictions (`predict`) against fresh runs, per target: the share of runs
    inside its 95 % interval for one replication (emulator and noise sd together; about 0.95
    when it is honest), and the root mean square of the runs' standardised errors (about 1)."""
    mean, sd, noise = emulated
    z = (simulated - mean) / np.sqrt(sd ** 2 + noise ** 2)
    inside = np.where(np.isnan(z), np.nan, np.abs(z) <= 1.96)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a target no run gave is NaN throughout
        return {"inside_95": np.nanmean(inside, axis=0),
                "rms_z": np.sqrt(np.nanmean(z ** 2, axis=0))}
