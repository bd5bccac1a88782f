"""The same grading on a Dask cluster: two workers on loopback, the same scores as local grading."""

import shutil

import pytest

from helpers import ASSIGNMENT, package_grade

pytestmark = pytest.mark.slow  # real batches, servers or browsers: not in the fast layer


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as local:
        yield local


def test_a_dask_cluster_grades_like_this_machine(course, cluster, graded_examples, points, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for sample in course.samples(ASSIGNMENT).glob("*.ipynb"):
        shutil.copy(sample, folder / sample.name)
    (folder / "broken.zip").write_bytes(b"not a zip")
    rows = package_grade([folder], tmp_path / "grades", "--scheduler", cluster.scheduler_address)
    columns = ("status", "total", *points)
    for sample in course.samples(ASSIGNMENT).glob("*.ipynb"):
        local = graded_examples[sample.stem]
        assert {c: rows[sample.stem][c] for c in columns} == {c: local[c] for c in columns}, sample.stem
    assert rows["broken"]["status"] == "invalid"
    workers = cluster.scheduler_info["workers"]
    assert len(workers) == 2
