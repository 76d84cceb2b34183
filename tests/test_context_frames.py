"""DataFrames, Series and arrays as compact prompt text: sensible content, and never over budget."""

from __future__ import annotations

import datetime
import re

import pytest

from jupyter_gemini._context.frames._summary import is_tabular, summarize_tabular
from jupyter_gemini._cost._estimate import text_tokens

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")

#: How this pandas names a column of strings: "str" from pandas 3 on, "object" before.
STR = str(pd.Series(["a"]).dtype)


def summary(obj: object, budget: int = 2000, name: str = "df") -> str:
    """The summary, checked for the two promises every test relies on: budget and determinism."""
    text = summarize_tabular(obj, budget, name=name)
    assert text_tokens(text) <= budget, f"{text_tokens(text)} tokens > {budget}:\n{text}"
    assert summarize_tabular(obj, budget, name=name) == text
    return text


def orders(n: int, seed: int = 0) -> object:
    """A realistic mixed-dtype frame with some missing values."""
    rng = np.random.default_rng(seed)
    cities = np.array(["Paris", "London", "Berlin", "Madrid"], dtype=object)
    frame = pd.DataFrame(
        {
            "order_id": np.arange(n),
            "price": np.round(rng.gamma(2.0, 20.0, n), 2),
            "quantity": rng.integers(1, 20, n).astype(np.int32),
            "city": pd.Categorical(cities[rng.integers(0, 4, n)]),
            "sku": np.char.add("SKU-", rng.integers(0, 500, n).astype(str)).astype(object),
            "created": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 10**7, n), unit="s"),
            "gift": rng.random(n) < 0.2,
        }
    )
    frame.loc[rng.integers(0, n, max(1, n // 100)), "price"] = np.nan
    return frame


# -- detection -------------------------------------------------------------------------


def test_is_tabular_recognises_frames_series_and_arrays_only() -> None:
    assert is_tabular(pd.DataFrame({"a": [1]}))
    assert is_tabular(pd.Series([1]))
    assert is_tabular(np.arange(3))
    assert is_tabular(np.array(1.0))

    class MyFrame(pd.DataFrame):
        pass

    assert is_tabular(MyFrame({"a": [1]}))  # subclasses (GeoDataFrame, …) count
    for other in ([1, 2], {"a": 1}, "text", 3, np.float64(1.0), np.ma.masked_array([1, 2], mask=[0, 1])):
        assert not is_tabular(other)

    class DataFrame:  # same name, other module
        pass

    assert not is_tabular(DataFrame())


def test_not_tabular_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        summarize_tabular([1, 2], 100)


# -- a realistic frame -----------------------------------------------------------------


def test_large_frame_header_stats_and_rows() -> None:
    frame = orders(150_000)
    text = summary(frame)
    header = text.splitlines()[0]
    assert header == "DataFrame {df}: 150,000 rows × 7 columns (showing 15 of 150,000 rows)"
    assert "quartiles and top values from a 100,000-row random sample" in text
    nulls = int(frame["price"].isna().sum())
    assert f"price: float64, {nulls:,} null" in text
    assert "min" in text and "median" in text and "std" in text
    assert re.search(r"city: category; categories 4, top \w+ 2\d\.\d%", text)
    assert f"sku: {STR}; ≥500 distinct" in text
    assert re.search(r"gift: bool; true (19|20)\.\d%", text)
    assert "rows (first 5, 5 random, last 5):" in text
    assert "|order_id|price|quantity|city|sku|created|gift" in text
    assert "\n149999|149999|" in text  # the last row, with its index
    assert text.count("\n…\n") >= 2  # gaps between head, random rows and tail


def test_small_frame_is_shown_whole_and_exact() -> None:
    frame = orders(12)
    text = summary(frame)
    assert "(all shown)" in text.splitlines()[0]
    assert "rows (all 12):" in text
    assert "sample" not in text
    assert "\n…\n" not in text  # no gap between rows


@pytest.mark.parametrize("budget", [2000, 1000, 600, 400, 250, 150, 100, 60, 30, 10, 1])
def test_budget_always_holds_and_degrades(budget: int) -> None:
    text = summary(orders(150_000), budget)
    if budget >= 30:
        assert text.startswith("DataFrame {df}: 150,000 rows × 7 columns (showing")
    else:  # not even the header fits: its beginning, cut
        assert text.startswith("DataFrame {df}: 150,000 rows"[: budget * 4 - 1])


def test_less_budget_never_means_more_text() -> None:
    frame = orders(150_000)
    sizes = [len(summary(frame, budget)) for budget in (3000, 2000, 1200, 800, 500, 300, 200, 100, 50)]
    assert sizes == sorted(sizes, reverse=True)


def test_tiny_budget_keeps_shape_and_names_columns() -> None:
    text = summary(orders(150_000), 100)
    assert text.startswith("DataFrame {df}: 150,000 rows × 7 columns (showing ")
    for column in ("order_id", "price", "quantity", "city", "sku", "created", "gift"):
        assert column in text
    assert "price: float64, 1," in text
    tinier = summary(orders(150_000), 40)
    assert tinier.startswith("DataFrame {df}: 150,000 rows × 7 columns (showing no rows")
    assert "order_id" in tinier


def test_tiny_budget_on_a_wide_frame_says_what_is_missing() -> None:
    frame = pd.DataFrame(np.zeros((3, 300)), columns=[f"feature_{i}" for i in range(300)])
    text = summary(frame, 100)
    assert "300 columns" in text.splitlines()[0]
    assert re.search(r"\(\+[\d,]+ more\)|\(\+[\d,]+ more columns\)", text)


# -- nasty frames ----------------------------------------------------------------------


def test_multiindex_rows_and_columns() -> None:
    rows = pd.MultiIndex.from_product([["north", "south"], [2023, 2024]], names=["region", "year"])
    cols = pd.MultiIndex.from_product([["sales", "cost"], ["q1", "q2"]])
    frame = pd.DataFrame(np.arange(16.0).reshape(4, 4), index=rows, columns=cols)
    text = summary(frame)
    assert f"index: MultiIndex, 2 levels (region {STR}, year int64)" in text
    assert "columns: MultiIndex, 2 levels; labels joined with '/'" in text
    assert "sales/q1: float64" in text
    assert "region,year|sales/q1|sales/q2|cost/q1|cost/q2" in text
    assert "north,2023|0|1|2|3" in text


def test_tz_aware_datetimes_show_wall_time_and_the_zone_once() -> None:
    stamps = pd.date_range("2024-03-30 12:00", periods=48, freq="h", tz="Europe/Paris")
    text = summary(pd.DataFrame({"when": stamps}))
    assert "when: datetime64[ns, Europe/Paris]" in text or "when: datetime64[us, Europe/Paris]" in text
    assert "min 2024-03-30 12:00:00" in text
    assert "max 2024-04-01 12:00:00" in text  # DST change crossed, wall time kept
    assert "+01:00" not in text and "+02:00" not in text


def test_datetime_index_is_described() -> None:
    frame = pd.DataFrame({"v": range(5)}, index=pd.date_range("2024-01-01", periods=5, name="day"))
    text = summary(frame)
    assert "index: DatetimeIndex day (datetime64[" in text and "sorted" in text
    assert "2024-01-01|0" in text  # midnight-only dates stay short


def test_categoricals() -> None:
    values = pd.Categorical(["low", "high", "low", None, "mid"], categories=["low", "mid", "high"], ordered=True)
    text = summary(pd.DataFrame({"level": values}))
    assert "level: category, 1 null (20.0%); categories 3 ordered, top low 40.0%" in text


def test_mixed_object_column_with_dicts_lists_and_bytes() -> None:
    frame = pd.DataFrame({"payload": [{"a": 1}, [1, 2, 3], b"\x00\x01", "text", None, 3.5]})
    text = summary(frame)
    assert "payload: object, 1 null" in text
    assert "types " in text and "dict" in text and "list" in text and "bytes" in text
    assert "{'a': 1}" in text and "[1, 2, 3]" in text and "b'\\x00\\x01'" in text


def test_long_strings_are_truncated_in_cells() -> None:
    frame = pd.DataFrame({"essay": ["word " * 10_000, "short"], "n": [1, 2]})
    text = summary(frame)
    assert "…" in text
    assert len(text) < 2_000
    assert max(len(line) for line in text.splitlines()) < 200


def test_cells_stay_on_one_line_and_in_their_column() -> None:
    frame = pd.DataFrame({"a": ["x|y", "line1\nline2", ""], "b": [1, 2, 3]})
    text = summary(frame)
    assert "x\\|y|1" in text
    assert "line1\\nline2|2" in text
    assert '""|3' in text


def test_nan_none_and_inf() -> None:
    frame = pd.DataFrame({"x": [1.0, np.nan, np.inf, -np.inf, None], "s": ["a", None, "b", "c", None]})
    text = summary(frame)
    assert "x: float64, 2 null (40.0%); min -inf" in text and "max inf" in text
    assert f"s: {STR}, 2 null (40.0%)" in text
    assert "|inf|" in text and "|-inf|" in text and "|NaN|" in text


def test_all_null_column() -> None:
    text = summary(pd.DataFrame({"empty": [None, None]}, dtype=object))
    assert "empty: object, 2 null (all)" in text


@pytest.mark.parametrize(
    ("frame", "header"),
    [
        (pd.DataFrame({"a": pd.Series([], dtype="int64"), "b": pd.Series([], dtype="str")}), "0 rows × 2 columns"),
        (pd.DataFrame(index=range(3)), "3 rows × 0 columns"),
        (pd.DataFrame(), "0 rows × 0 columns"),
    ],
)
def test_empty_frames(frame: object, header: str) -> None:
    text = summary(frame)
    assert text.startswith(f"DataFrame {{df}}: {header}")
    if "2 columns" in header:
        assert "a: int64" in text and f"b: {STR}" in text


def test_duplicate_column_names() -> None:
    frame = pd.DataFrame([[1, "x", 2.5]], columns=["a", "a", "b"])
    text = summary(frame)
    assert "duplicate column names: a" in text
    assert "a: int64" in text and f"a: {STR}" in text  # both described, by position
    assert "|a|a|b" in text


def test_wide_frame_shows_some_columns_and_names_more() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.random((1_000, 320)), columns=[f"feature_{i}" for i in range(320)])
    text = summary(frame)
    header = text.splitlines()[0]
    assert re.search(r"showing \d+ of 1,000 rows, \d+ of 320 columns\)$", header)
    assert "\nmore columns: feature_" in text and "…feature_319: float64" in text  # a range: few tokens
    assert "feature_319" not in text.split("more columns:")[0]  # not described in detail


def test_series_with_a_name() -> None:
    series = pd.Series([3.0, 1.0, 2.0], name="price", index=["a", "b", "c"])
    text = summary(series, name="s")
    assert text.startswith("Series {s}: 3 rows (all shown)")
    assert "price: float64; min 1, p25 1.5, median 2, p75 2.5, max 3, mean 2, std 1" in text
    assert "|price\na|3\nb|1\nc|2" in text


def test_unnamed_series() -> None:
    assert "value: int64" in summary(pd.Series([1, 2]))


def test_bool_timedelta_and_nullable_dtypes() -> None:
    frame = pd.DataFrame(
        {
            "flag": [True, False, True, True],
            "wait": pd.to_timedelta(["1h", "2h", "1D", None]),
            "count": pd.array([1, None, 3, 4], dtype="Int64"),
            "label": pd.array(["a", None, "b", "a"], dtype="string"),
            "maybe": pd.array([True, None, False, True], dtype="boolean"),
        }
    )
    text = summary(frame)
    assert "flag: bool; true 75.0%" in text
    assert re.search(r"wait: timedelta64\[\w+\], 1 null \(25.0%\); min 0 days 01:00:00", text)
    assert "|NaT|" in text
    assert "max 1 days 00:00:00" in text
    assert "count: Int64, 1 null (25.0%); min 1, p25" in text
    assert "label: string, 1 null (25.0%); 2 distinct, top a 50.0%" in text
    assert "maybe: boolean, 1 null (25.0%); true 66.7%" in text
    assert "<NA>" in text


def test_broken_repr_inside_a_cell() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("boom")

        __hash__ = None  # type: ignore[assignment]

    text = summary(pd.DataFrame({"obj": [Broken(), Broken()]}))
    assert "repr failed" in text or "Broken instance" in text


def test_huge_integers_and_complex_numbers() -> None:
    frame = pd.DataFrame({"big": [10**30, 1], "z": [1 + 2j, 3j]})
    text = summary(frame)
    assert "big: object" in text and "z: complex128" in text


# -- polars ----------------------------------------------------------------------------


@pytest.fixture
def pl() -> object:
    return pytest.importorskip("polars")


def test_polars_frame(pl: object) -> None:
    import polars

    rng = np.random.default_rng(0)
    n = 150_000
    frame = polars.DataFrame(
        {
            "id": np.arange(n),
            "x": np.where(rng.random(n) < 0.1, np.nan, rng.random(n)),
            "city": polars.Series(np.array(["a", "b", "c"])[rng.integers(0, 3, n)]).cast(polars.Categorical),
            "name": polars.Series(np.array(["ann", "bob"])[rng.integers(0, 2, n)]),
            "when": polars.Series(np.arange(n).astype("datetime64[ms]")).dt.replace_time_zone("UTC"),
        }
    ).with_columns(polars.when(polars.col("id") % 7 == 0).then(None).otherwise(polars.col("name")).alias("name"))
    text = summary(frame)
    assert text.startswith("polars DataFrame {df}: 150,000 rows × 5 columns (showing 15 of 150,000 rows)")
    assert re.search(r"x: Float64; NaN [\d,]+, min", text)  # NaN is not null in polars
    assert "city: Categorical; 3 distinct, top" in text
    assert f"name: String, {len(range(0, n, 7)):,} null" in text
    assert "when: Datetime(" in text and "UTC)" in text and "min 1970-01-01" in text
    assert "quartiles and top values from a 100,000-row random sample" in text


def test_polars_nested_and_empty(pl: object) -> None:
    import polars

    frame = polars.DataFrame(
        {
            "tags": [[1, 2], None, [3]],
            "meta": [{"k": 1}, {"k": 2}, None],
            "blob": [b"\x00", None, b"x"],
            "wait": [datetime.timedelta(days=2, hours=3), None, datetime.timedelta(minutes=5)],
        }
    )
    text = summary(frame)
    assert "tags: List(Int64), 1 null" in text and "[1, 2]" in text
    assert "meta: Struct(" in text and "{'k': 1}" in text
    assert "wait: Duration(us), 1 null" in text and "2 days 03:00:00" in text
    empty = summary(polars.DataFrame({"a": [], "b": []}, schema={"a": polars.Int64, "b": polars.String}))
    assert empty.startswith("polars DataFrame {df}: 0 rows × 2 columns") and "a: Int64" in empty
    assert summary(polars.DataFrame()).startswith("polars DataFrame {df}: 0 rows × 0 columns")


def test_polars_series_and_small_budget(pl: object) -> None:
    import polars

    text = summary(polars.Series("score", [1.5, None, 3.0]), name="s")
    assert text.startswith("polars Series {s}: 3 rows (all shown)")
    assert "score: Float64, 1 null (33.3%); min 1.5" in text
    wide = polars.DataFrame({f"c{i}": [i] for i in range(300)})
    small = summary(wide, 100)
    assert "300 columns" in small.splitlines()[0]


# -- numpy -----------------------------------------------------------------------------


def test_numpy_1d() -> None:
    text = summary(np.array([3.0, np.nan, 1.0, 2.0]), name="a")
    assert text.startswith("ndarray {a}: 4 values, float64 (all shown)")
    assert "value: float64, 1 null (25.0%); min 1" in text


def test_numpy_2d() -> None:
    matrix = np.arange(12).reshape(3, 4)
    text = summary(matrix, name="m")
    assert text.startswith("ndarray {m}: shape (3, 4), int64 (all shown)")
    assert "all values: min 0, max 11, mean 5.5" in text
    assert "|0|1|2|3\n0|0|1|2|3\n1|4|5|6|7" in text


def test_numpy_large() -> None:
    big = np.random.default_rng(0).normal(size=(200_000, 60))
    text = summary(big, name="X")
    assert "shape (200000, 60), float64 (showing" in text
    assert "from a 100,000-row random sample" in text
    assert "more columns)" in text and "more columns:" not in text  # numbered columns are not listed


def test_numpy_0d_and_nd() -> None:
    assert summary(np.array(3.5), name="x") == "ndarray {x}: 0-d float64 scalar, value 3.5"
    cube = np.arange(24.0).reshape(2, 3, 4)
    text = summary(cube, name="c")
    assert text.startswith("ndarray {c}: shape (2, 3, 4), float64, 24 values")
    assert "[[[ 0.  1.  2.  3.]" in text
    huge = np.zeros((50, 50, 50, 50))
    text = summary(huge, 200, name="h")
    assert "6,250,000 values" in text and "..." in text


def test_numpy_strings_objects_dates_and_records() -> None:
    assert "2 distinct, top a 66.7%" in summary(np.array(["a", "b", "a"]))
    objects = summary(np.array([{"a": 1}, None, [1]], dtype=object))
    assert "value: object, 1 null" in objects and "types dict 50.0%, list 50.0%" in objects
    dates = summary(np.array(["2024-01-01", "NaT", "2024-02-01"], dtype="datetime64[D]"))
    assert "1 null" in dates and "min 2024-01-01" in dates and "max 2024-02-01" in dates
    records = np.array([(1, 2.5), (2, 3.5)], dtype=[("id", "i4"), ("score", "f8")])
    text = summary(records)
    assert "2 rows × 2 fields" in text and "id: int32" in text and "score: float64" in text


@pytest.mark.parametrize("budget", [2000, 300, 100, 40, 5])
def test_numpy_budgets(budget: int) -> None:
    summary(np.random.default_rng(0).random((500, 500)), budget)
    summary(np.random.default_rng(0).random((20, 20, 20)), budget)
    summary(np.arange(10**6), budget)
