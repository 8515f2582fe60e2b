r"""Learning-rate decay: step, exponential and 1/t schedules.

The pure functions give the learning rate after :math:`t` epochs; the scheduler classes wrap an optimiser and
set its ``lr`` once per epoch::

    sched = StepLR(opt, step_size=10, gamma=0.5)
    for epoch in range(epochs):
        train_one_epoch(...)          # uses opt.lr = lr_at(sched.t)
        sched.step()                  # t += 1; opt.lr = lr_at(t)

Conventions as PyTorch's ``StepLR``/``ExponentialLR``: :math:`t = 0` before the first ``step()`` (the
first epoch runs at :math:`\alpha_0`), and :math:`\alpha_t` uses the closed form. ``ExponentialLR(opt, gamma)``
takes PyTorch's per-epoch factor :math:`\gamma` (:math:`\alpha_t = \alpha_0\gamma^t`); the lecture's rate
:math:`k` of :math:`\alpha_0 e^{-kt}` is ``ExponentialLR(opt, k=k)``, the same as :math:`\gamma = e^{-k}`.
"""
from __future__ import annotations

import math
import numbers

from course_lib.validation import check_positive

__all__ = [
    "Scheduler", "step_decay", "exponential_decay", "inverse_time_decay", "StepLR", "ExponentialLR", "InverseTimeLR",
]


def _check_t(owner: str, t) -> None:
    if not isinstance(t, numbers.Integral) or t < 0:
        raise ValueError(f"{owner}: t (the number of epochs done) must be an integer >= 0, got {t!r}")


def _check_step_size(owner: str, step_size) -> None:
    if not isinstance(step_size, numbers.Integral) or step_size < 1:
        raise ValueError(f"{owner}: step_size must be an integer >= 1 (epochs), got {step_size!r}")


def step_decay(lr0, t, step_size, gamma=0.1) -> float:
    r"""Step decay: multiply by :math:`\gamma` every ``step_size`` epochs.

    .. math:: \alpha_t = \alpha_0\, \gamma^{\lfloor t / s \rfloor}
    """
    check_positive("step_decay", "lr0", lr0)
    _check_t("step_decay", t)
    _check_step_size("step_decay", step_size)
    check_positive("step_decay", "gamma", gamma)
    return float(lr0 * gamma ** (t // step_size))


def exponential_decay(lr0, t, k) -> float:
    r"""Exponential decay.

    .. math:: \alpha_t = \alpha_0\, e^{-k t}
    """
    check_positive("exponential_decay", "lr0", lr0)
    _check_t("exponential_decay", t)
    check_positive("exponential_decay", "k", k, allow_zero=True)
    return float(lr0 * math.exp(-k * t))


def inverse_time_decay(lr0, t, k) -> float:
    r"""1/t decay.

    .. math:: \alpha_t = \frac{\alpha_0}{1 + k t}
    """
    check_positive("inverse_time_decay", "lr0", lr0)
    _check_t("inverse_time_decay", t)
    check_positive("inverse_time_decay", "k", k, allow_zero=True)
    return float(lr0 / (1.0 + k * t))


class Scheduler:
    """Wraps an optimiser: remembers :math:`\\alpha_0` = its ``lr`` at construction; ``t`` = epochs done."""

    def __init__(self, optimizer):
        if not hasattr(optimizer, "lr"):
            raise TypeError(f"{type(self).__name__}: expected an optimiser with a settable .lr, "
                            f"got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.lr0 = float(optimizer.lr)
        self.t = 0

    def lr_at(self, t) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def lr(self) -> float:
        """The learning rate for the current epoch, :math:`\\alpha_t`."""
        return self.lr_at(self.t)

    def step(self) -> float:
        """End of an epoch: advance :math:`t` by one, set and return ``optimizer.lr``."""
        self.t += 1
        self.optimizer.lr = self.lr_at(self.t)
        return self.optimizer.lr

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr0={self.lr0:g}, t={self.t}, lr={self.lr:g})"


class StepLR(Scheduler):
    r""":math:`\alpha_t = \alpha_0 \gamma^{\lfloor t/s \rfloor}` (see :func:`step_decay`); PyTorch's
    StepLR."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        super().__init__(optimizer)
        _check_step_size("StepLR", step_size)
        check_positive("StepLR", "gamma", gamma)
        self.step_size, self.gamma = step_size, gamma

    def lr_at(self, t) -> float:
        return step_decay(self.lr0, t, self.step_size, self.gamma)


class ExponentialLR(Scheduler):
    r""":math:`\alpha_t = \alpha_0 \gamma^t`, PyTorch's ExponentialLR: ``ExponentialLR(opt, gamma=0.9)``.

    The lecture writes the same schedule as :math:`\alpha_0 e^{-kt}` (:func:`exponential_decay`):
    ``ExponentialLR(opt, k=0.1)`` is :math:`\gamma = e^{-k}`. Give exactly one of the two.
    """

    def __init__(self, optimizer, gamma=None, *, k=None):
        super().__init__(optimizer)
        name = type(self).__name__
        if (gamma is None) == (k is None):
            raise TypeError(f"{name}: give the per-epoch factor gamma (as PyTorch: gamma=0.9) or the lecture's "
                            f"rate k (alpha_0 e^(-k t)), exactly one; got gamma={gamma!r}, k={k!r}")
        if k is None:
            check_positive(name, "gamma", gamma)
            if gamma > 1:
                raise ValueError(f"{name}: gamma must be in (0, 1] for a decay, got {gamma!r}")
            self.k = -math.log(gamma)
        else:
            check_positive(name, "k", k, allow_zero=True)
            self.k = k
        self.gamma = math.exp(-self.k)

    def lr_at(self, t) -> float:
        return exponential_decay(self.lr0, t, self.k)


class InverseTimeLR(Scheduler):
    r""":math:`\alpha_t = \alpha_0 / (1 + k t)` (see :func:`inverse_time_decay`)."""

    def __init__(self, optimizer, k):
        super().__init__(optimizer)
        check_positive(type(self).__name__, "k", k, allow_zero=True)
        self.k = k

    def lr_at(self, t) -> float:
        return inverse_time_decay(self.lr0, t, self.k)
