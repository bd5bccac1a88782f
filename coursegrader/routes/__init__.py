"""The ways a class is graded with the one engine: a local batch, a Dask cluster, Gradescope, nbgrader."""
