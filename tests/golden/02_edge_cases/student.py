# %% [markdown]
"""
# Edge cases

Odd indentation, tabs, regions at the top level of a cell and in nested
functions. Accents survive too: café, naïve.
"""

# %%
# Lets "Run All" go on past the exercises you have not written yet: a test that reaches one prints
# "not implemented yet: ..." instead of stopping the notebook. It still counts as not passed
# (tito module complete, grading). How it works: tito/runall.py in your repository.
try:
    import tito.runall
except ImportError:  # not set up yet (python3 -m tito setup): Run All stops at the first exercise
    pass
else:  # this notebook's exercises as the course made them (what, where, the message of its stub)
    tito.runall.exercises(
        ('scale', 'scale', 'scale (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO in its docstring.'),
        ('Counter.bump', 'Counter.bump', 'Counter.bump (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO in its docstring.'),
        ("The code in cell 'edge-top-level'", '', "The code in cell 'edge-top-level' (module 01_tensor) is not implemented yet: replace this line with your code. See the instructions above this cell."),
        ('make_power.power', 'make_power.power', 'make_power.power (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO in its docstring.'),
        ('make_power', 'make_power', 'make_power (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO and HINT in its docstring.'),
        ('clip', 'clip', 'clip (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO in its docstring.'),
    )

# %% nbgrader={"grade": false, "grade_id": "edge-imports", "locked": false, "schema_version": 3, "solution": false}
#| default_exp core.edge
#| export
import math


# %% nbgrader={"grade": false, "grade_id": "edge-tabs", "locked": false, "schema_version": 3, "solution": true}
#| export
def scale(values, factor):
	"""Multiply every value by `factor` (this function is indented with tabs).

	TODO: return a new list.
	"""
	raise NotImplementedError("scale (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO in its docstring.")


# %% nbgrader={"grade": false, "grade_id": "edge-odd-indent", "locked": false, "schema_version": 3, "solution": true}
#| export
class Counter:
   """Three-space indentation, on purpose."""

   def __init__(self):
      self.count = 0

   def bump(self, by=1):
      """TODO: add `by` to the count and return the new count."""
      raise NotImplementedError("Counter.bump (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO in its docstring.")


# %% nbgrader={"grade": false, "grade_id": "edge-top-level", "locked": false, "schema_version": 3, "solution": true}
# Build the lookup table of square roots for 0..4.
raise NotImplementedError("The code in cell 'edge-top-level' (module 01_tensor) is not implemented yet: replace this line with your code. See the instructions above this cell.")


# %% nbgrader={"grade": false, "grade_id": "edge-nested", "locked": false, "schema_version": 3, "solution": true}
#| export
def make_power(exponent):
    """Return a function raising its argument to `exponent`.

    TODO: complete `power` and the check below it.
    HINT: math.pow or the ** operator.
    """
    def power(base):
        """TODO: base ** exponent."""
        raise NotImplementedError("make_power.power (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO in its docstring.")
    if exponent < 0:
        raise NotImplementedError("make_power (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO and HINT in its docstring.")
    return power


# %% nbgrader={"grade": false, "grade_id": "edge-if-body", "locked": false, "schema_version": 3, "solution": true}
#| export
def clip(x, low=None, high=None):
    """Clip `x` into [low, high]; a bound of None is ignored.

    TODO: apply each bound that is given.
    """
    if low is not None:
        raise NotImplementedError("clip (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO in its docstring.")
    elif high is None:
        pass
    if high is not None:
        raise NotImplementedError("clip (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO in its docstring.")
    return x


# %%
# A plain cell without nbgrader metadata.
print("plain cell")


# %% nbgrader={"grade": true, "grade_id": "test-edge", "locked": true, "points": 3, "schema_version": 3, "solution": false}
def test_unit_edge():
	assert scale([1, 2], 3) == [3, 6]
	assert Counter().bump(2) == 2
	assert make_power(2)(3) == 9
	assert clip(5, low=0, high=3) == 3
	print("edge OK")

if __name__ == "__main__":
	test_unit_edge()
