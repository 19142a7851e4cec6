"""`make bench`: measured speed, memory and scaling of the pipeline against the alternatives (see run.py)."""
