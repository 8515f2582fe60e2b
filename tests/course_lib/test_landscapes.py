"""Optimiser test surfaces: gradients, minima, and the runner over course_lib optimisers."""
import numpy as np
import pytest

from course_lib import landscapes as L

SURFACES = [L.ill_conditioned_quadratic(10.0, angle=30.0), L.rosenbrock(), L.saddle(), L.local_minima()]


def _central_differences(surface, p, eps=1e-6):
    return np.array([(surface(p + eps * e) - surface(p - eps * e)) / (2 * eps) for e in np.eye(2)])


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.name.split(" ")[0])
def test_surface_gradient_matches_central_differences(surface, rng):
    for p in rng.uniform(-1.5, 1.5, size=(5, 2)):
        num, exact = _central_differences(surface, p), surface.gradient(p)
        np.testing.assert_allclose(exact, num, rtol=1e-6, atol=1e-6,
                                   err_msg=f"{surface.name}: gradient at {p}")


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.name.split(" ")[0])
def test_listed_minima_are_stationary_and_not_saddles(surface):
    for m in surface.minima:
        g = surface.gradient(np.array(m))
        assert np.linalg.norm(g) < 1e-8, f"{surface.name}: gradient at minimum {m} is {g}"
        around = [surface(np.array(m) + 1e-3 * np.array(d)) for d in ((1, 0), (-1, 0), (0, 1), (0, -1))]
        assert min(around) > surface(np.array(m)), f"{surface.name}: {m} is not a local minimum"


def test_surfaces_evaluate_on_grids_for_contour_plots():
    X, Y, Z = L.rosenbrock().grid(30)
    assert X.shape == Y.shape == Z.shape == (30, 30)
    assert L.saddle().gradient(np.zeros((4, 3, 2))).shape == (4, 3, 2)


def test_condition_number_is_the_ratio_of_hessian_eigenvalues():
    s = L.ill_conditioned_quadratic(25.0, angle=40.0)
    H = np.array([s.gradient(e) for e in np.eye(2)]).T           # gradient is linear: columns are H e_i
    ev = np.linalg.eigvalsh(H)
    assert abs(ev[1] / ev[0] - 25.0) < 1e-9, f"expected condition number 25, got {ev[1] / ev[0]}"


def test_gradient_descent_on_the_quadratic_matches_the_closed_form():
    # along each eigen-direction GD multiplies the coordinate by (1 - lr * lambda) per step
    s, lr, steps = L.ill_conditioned_quadratic(10.0), 0.05, 20
    traj = L.run_optimizer(s, "sgd", start=(2.0, 1.0), steps=steps, lr=lr)
    want = np.array([2.0 * (1 - lr) ** steps, 1.0 * (1 - lr * 10) ** steps])
    np.testing.assert_allclose(traj.final, want, rtol=1e-10)
    assert traj.points.shape == (steps + 1, 2) and traj.values.shape == (steps + 1,)


def test_gd_diverges_above_two_over_the_largest_curvature():
    traj = L.run_optimizer(L.ill_conditioned_quadratic(10.0), "sgd", steps=500, lr=0.25)
    assert traj.diverged and len(traj.points) < 501, "lr = 0.25 > 2/10 should diverge and stop early"


def test_momentum_escapes_the_local_minimum_where_plain_sgd_stays():
    s = L.local_minima()
    sgd = L.run_optimizer(s, "sgd", steps=400, lr=0.01)
    mom = L.run_optimizer(s, "momentum", steps=400, lr=0.01, momentum=0.9)
    local, glob = s.minima[1][0], s.minima[0][0]
    assert abs(sgd.final[0] - local) < 0.05, f"SGD should stop in the local minimum x={local}: {sgd.final}"
    assert abs(mom.final[0] - glob) < 0.05, f"momentum should reach the global minimum x={glob}: {mom.final}"


def test_adam_makes_progress_on_rosenbrock():
    s = L.rosenbrock()
    traj = L.run_optimizer(s, "adam", steps=1000, lr=0.05)
    first, last = traj.values[0], traj.values[-1]
    assert last < 0.01 * first, f"Adam: f went {first:.3g} -> {last:.3g}, expected a 100x reduction"


def test_runner_accepts_an_optimiser_factory():
    from course_lib.optim import SGD
    traj = L.run_optimizer(L.saddle(), lambda ps: SGD(ps, lr=0.1), steps=5)
    assert traj.points.shape == (6, 2)


def test_bad_arguments_are_reported():
    with pytest.raises(ValueError, match="condition_number must be >= 1"):
        L.ill_conditioned_quadratic(0.5)
    with pytest.raises(ValueError, match=r"start must be a point \(x, y\)"):
        L.run_optimizer(L.saddle(), "sgd", start=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="unknown surface 'bowl'"):
        L.get_surface("bowl")
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 2\)"):
        L.saddle()(np.zeros(3))
