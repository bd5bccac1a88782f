"""From the master notebook to the student release, the autograder zip and its image, nbgrader's notebooks and the solution."""
