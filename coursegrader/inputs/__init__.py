"""Finding submissions in what an instructor hands the grader and reading each one's notebook from untrusted bytes."""
