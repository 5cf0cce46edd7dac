"""dlmath.linear_algebra: the reference implementations compute what PyTorch computes, and reject bad shapes."""

import numpy as np
import pytest
import torch

from dlmath import linear_algebra as linalg

rng = np.random.default_rng(0)


def test_dense_matches_nn_linear():
    W, X, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 5)), rng.normal(size=3)
    layer = torch.nn.Linear(4, 3, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(W))
        layer.bias.copy_(torch.from_numpy(b))
    theirs = layer(torch.from_numpy(X.T)).detach().numpy().T  # nn.Linear takes one row per example
    np.testing.assert_allclose(linalg.dense(W, X, b), theirs, atol=1e-12)
    np.testing.assert_allclose(linalg.dense(W, X, b[:, None]), theirs, atol=1e-12)


@pytest.mark.parametrize("W,X,b,message", [
    (np.zeros((3, 4)), np.zeros((5, 2)), np.zeros(3), r"X must have shape \(4, N\) to match W of shape \(3, 4\).*got shape \(5, 2\)"),
    (np.zeros((3, 4)), np.zeros((4, 2)), np.zeros(4), r"b must have shape \(3,\) or \(3, 1\).*got shape \(4,\)"),
    (np.zeros(4), np.zeros((4, 2)), np.zeros(3), r"W must have shape 2-D, got shape \(4,\)"),
])
def test_dense_errors_name_expected_and_received_shapes(W, X, b, message):
    with pytest.raises(ValueError, match=message):
        linalg.dense(W, X, b)


def test_dense_rejects_non_numeric():
    with pytest.raises(TypeError, match="W must be numeric"):
        linalg.dense("abc", np.zeros((4, 2)), np.zeros(3))


def test_matmul_loops_equals_numpy_and_checks_shapes():
    A, B = rng.normal(size=(4, 3)), rng.normal(size=(3, 5))
    np.testing.assert_allclose(linalg.matmul_loops(A, B), A @ B, atol=1e-12)
    with pytest.raises(ValueError, match=r"B must have shape \(3, n\)"):
        linalg.matmul_loops(A, B.T)


def test_matmul_flops():
    assert linalg.matmul_flops(2, 3, 4) == 48
    assert linalg.matmul_flops(0, 3, 4) == 0
    with pytest.raises(ValueError, match="m must be a non-negative integer"):
        linalg.matmul_flops(-1, 2, 2)
    with pytest.raises(ValueError, match="k must be"):
        linalg.matmul_flops(1, 2.5, 2)


def test_cosine_similarity_vectors_and_matrices_match_torch():
    a, b = rng.normal(size=5), rng.normal(size=5)
    want = torch.nn.functional.cosine_similarity(torch.from_numpy(a), torch.from_numpy(b), dim=0).item()
    assert linalg.cosine_similarity(a, b) == pytest.approx(want)
    assert linalg.cosine_similarity([1, 0], [0, 3]) == pytest.approx(0.0)
    assert linalg.cosine_similarity([1, 2], [-2, -4]) == pytest.approx(-1.0)
    E = rng.normal(size=(4, 3))
    S = linalg.cosine_similarity(E)
    assert S.shape == (4, 4)
    np.testing.assert_allclose(np.diag(S), 1.0)
    np.testing.assert_allclose(S[1, 2], linalg.cosine_similarity(E[1], E[2]))


def test_cosine_similarity_errors():
    with pytest.raises(ValueError, match="zero vector"):
        linalg.cosine_similarity([0, 0], [1, 0])
    with pytest.raises(ValueError, match="same length d"):
        linalg.cosine_similarity(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="both be vectors"):
        linalg.cosine_similarity(np.ones(3), np.ones((2, 3)))


def test_transform_grid_geometry():
    A = np.array([[2.0, 1.0], [0.0, 1.0]])
    g = linalg.transform_grid(A, n_lines=5, n_points=11)
    assert g["lines"].shape == g["original_lines"].shape == (10, 11, 2)
    np.testing.assert_allclose(g["lines"], g["original_lines"] @ A.T)
    np.testing.assert_allclose(g["basis"], A.T)  # rows are A e1, A e2
    assert g["det"] == pytest.approx(2.0) and g["rank"] == 2
    np.testing.assert_allclose(sorted(g["eigvals"]), [1.0, 2.0])
    for lam, v in zip(g["eigvals"], g["eigvecs"]):  # each drawn eigenvector satisfies A v = lambda v
        np.testing.assert_allclose(A @ v, lam * v, atol=1e-12)
    # the image of the unit circle reaches exactly the largest singular value
    assert np.linalg.norm(g["circle"], axis=1).max() == pytest.approx(np.linalg.svd(A)[1][0], rel=1e-2)


def test_transform_grid_rotation_has_no_real_eigenvectors_and_singular_matrix_has_rank_one():
    rotation = linalg.transform_grid([[0, -1], [1, 0]])
    assert rotation["eigvecs"].shape == (0, 2) and rotation["det"] == pytest.approx(1.0)
    singular = linalg.transform_grid([[1, 2], [2, 4]])
    assert singular["rank"] == 1 and singular["det"] == pytest.approx(0.0)


def test_transform_grid_rejects_non_2x2():
    with pytest.raises(ValueError, match=r"A must have shape \(2, 2\), got shape \(3, 3\)"):
        linalg.transform_grid(np.eye(3))
