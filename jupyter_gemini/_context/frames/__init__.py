"""DataFrames, Series and arrays as compact prompt text: a neutral table model, one backend per library."""
