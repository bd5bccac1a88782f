"""The facts every stage shares: the course configuration, fixed messages, results, notebook files, cell tags, the autograder zip's format."""
