"""Learning-rate schedules: the formulas, the t = 0 convention, and PyTorch's StepLR/ExponentialLR."""
import math

import numpy as np
import pytest

from course_lib.optim import SGD
from course_lib.schedules import (
    ExponentialLR,
    InverseTimeLR,
    StepLR,
    exponential_decay,
    inverse_time_decay,
    step_decay,
)


class Param:
    def __init__(self):
        self.data, self.grad = np.zeros(1), np.zeros(1)


def lrs_over_epochs(scheduler, epochs):
    """The lr each epoch runs at: epoch 0 before any step(), then one step() per epoch."""
    out = []
    for _ in range(epochs):
        out.append(scheduler.optimizer.lr)
        scheduler.step()
    return out


def test_step_decay_multiplies_by_gamma_every_step_size_epochs():
    got = [step_decay(1.0, t, step_size=3, gamma=0.5) for t in range(7)]
    assert got == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25], f"got {got}"


def test_exponential_decay_is_lr0_exp_minus_kt():
    assert exponential_decay(2.0, 3, k=0.1) == pytest.approx(2.0 * math.exp(-0.3), rel=1e-15)
    assert exponential_decay(2.0, 0, k=0.1) == 2.0


def test_inverse_time_decay_is_lr0_over_one_plus_kt():
    assert inverse_time_decay(1.0, 4, k=0.5) == pytest.approx(1 / 3, rel=1e-15)
    assert inverse_time_decay(0.3, 0, k=5.0) == 0.3


def test_scheduler_starts_at_t0_and_sets_lr_on_each_step():
    opt = SGD([Param()], lr=0.8)
    sched = InverseTimeLR(opt, k=1.0)
    assert sched.t == 0 and opt.lr == 0.8, f"before any step: t={sched.t}, lr={opt.lr}"
    sched.step()
    assert sched.t == 1 and opt.lr == pytest.approx(0.4), f"after one step: t={sched.t}, lr={opt.lr}"
    sched.step()
    assert sched.t == 2 and opt.lr == pytest.approx(0.8 / 3), f"after two steps: t={sched.t}, lr={opt.lr}"
    assert sched.lr_at(5) == pytest.approx(0.8 / 6)


def test_schedulers_follow_their_pure_functions():
    opt = SGD([Param()], lr=0.5)
    got = lrs_over_epochs(StepLR(opt, step_size=2, gamma=0.3), 6)
    assert got == pytest.approx([step_decay(0.5, t, 2, 0.3) for t in range(6)], rel=1e-15)
    opt = SGD([Param()], lr=0.5)
    got = lrs_over_epochs(ExponentialLR(opt, k=0.2), 6)
    assert got == pytest.approx([exponential_decay(0.5, t, 0.2) for t in range(6)], rel=1e-15)


@pytest.mark.parametrize("call, message", [
    (lambda: step_decay(0.1, 3, step_size=0), "step_decay: step_size must be an integer >= 1"),
    (lambda: step_decay(0.1, -1, step_size=2), "t .* must be an integer >= 0, got -1"),
    (lambda: exponential_decay(0.1, 1, k=-0.5), "exponential_decay: k must be >= 0, got -0.5"),
    (lambda: inverse_time_decay(0.0, 1, k=1.0), "inverse_time_decay: lr0 must be > 0, got 0.0"),
    (lambda: StepLR(SGD([Param()], lr=0.1), step_size=2.5), "StepLR: step_size must be an integer >= 1"),
    (lambda: ExponentialLR(SGD([Param()], lr=0.1), k=-1), "ExponentialLR: k must be >= 0, got -1"),
    (lambda: ExponentialLR(SGD([Param()], lr=0.1), gamma=1.5), r"gamma must be in \(0, 1\] for a decay"),
    (lambda: ExponentialLR(SGD([Param()], lr=0.1), gamma="0.9"), "ExponentialLR: gamma must be > 0, got '0.9'"),
])
def test_bad_schedule_arguments_are_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_exponential_lr_takes_pytorchs_gamma_or_the_lectures_k_but_not_both():
    by_gamma = lrs_over_epochs(ExponentialLR(SGD([Param()], lr=0.5), 0.8), 5)
    assert by_gamma == pytest.approx([0.5 * 0.8 ** t for t in range(5)], rel=1e-14)
    by_k = lrs_over_epochs(ExponentialLR(SGD([Param()], lr=0.5), k=-math.log(0.8)), 5)
    assert by_k == pytest.approx(by_gamma, rel=1e-14)
    with pytest.raises(TypeError, match="exactly one"):
        ExponentialLR(SGD([Param()], lr=0.5))
    with pytest.raises(TypeError, match="exactly one"):
        ExponentialLR(SGD([Param()], lr=0.5), 0.9, k=0.1)


@pytest.mark.torch
def test_step_and_exponential_lr_sequences_match_torch(torch):
    k, epochs = 0.3, 12
    for make_ours, make_theirs in (
        (lambda o: StepLR(o, step_size=4, gamma=0.5),
         lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=4, gamma=0.5)),
        (lambda o: ExponentialLR(o, k=k),
         lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=math.exp(-k))),
        (lambda o: ExponentialLR(o, gamma=0.7),
         lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.7)),
    ):
        ours = lrs_over_epochs(make_ours(SGD([Param()], lr=0.2)), epochs)
        topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.2)
        theirs_sched = make_theirs(topt)
        theirs = []
        for _ in range(epochs):
            theirs.append(topt.param_groups[0]["lr"])
            topt.step()
            theirs_sched.step()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12,
                                   err_msg=f"{type(theirs_sched).__name__}: per-epoch lr differs from torch")
