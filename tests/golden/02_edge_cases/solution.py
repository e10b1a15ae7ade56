# %% [markdown]
"""
# Edge cases

Odd indentation, tabs, regions at the top level of a cell and in nested
functions. Accents survive too: café, naïve.
"""

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
	result = []
	for value in values:
		result.append(value * factor)
	return result


# %% nbgrader={"grade": false, "grade_id": "edge-odd-indent", "locked": false, "schema_version": 3, "solution": true}
#| export
class Counter:
   """Three-space indentation, on purpose."""

   def __init__(self):
      self.count = 0

   def bump(self, by=1):
      """TODO: add `by` to the count and return the new count."""
      self.count += by

      # a comment and a blank line inside the region
      return self.count


# %% nbgrader={"grade": false, "grade_id": "edge-top-level", "locked": false, "schema_version": 3, "solution": true}
# Build the lookup table of square roots for 0..4.
ROOTS = {n: math.sqrt(n) for n in range(5)}


# %% nbgrader={"grade": false, "grade_id": "edge-nested", "locked": false, "schema_version": 3, "solution": true}
#| export
def make_power(exponent):
    """Return a function raising its argument to `exponent`.

    TODO: complete `power` and the check below it.
    HINT: math.pow or the ** operator.
    """
    def power(base):
        """TODO: base ** exponent."""
        return base ** exponent
    if exponent < 0:
        raise ValueError("exponent must be >= 0")
    return power


# %% nbgrader={"grade": false, "grade_id": "edge-if-body", "locked": false, "schema_version": 3, "solution": true}
#| export
def clip(x, low=None, high=None):
    """Clip `x` into [low, high]; a bound of None is ignored.

    TODO: apply each bound that is given.
    """
    if low is not None:
        x = max(x, low)
    elif high is None:
        pass
    if high is not None:
        x = min(x, high)
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
	assert clip(-1, low=0) == 0
	assert ROOTS[4] == 2.0
	print("edge OK")

if __name__ == "__main__":
	test_unit_edge()

# %% nbgrader={"grade": false, "grade_id": "edge-note", "locked": false, "schema_version": 3, "solution": false}
assert make_power(3)(2) == 8, "reference value"
