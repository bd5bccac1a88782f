"""What a graded class becomes for people: the report, the class analyses, the gradebook, a Gradescope export read back."""
