"""Loading: every supported input into one polars frame, never mutating the caller's object."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from seismo.data.io import load
from seismo.exceptions import DataLoadError

DF = pl.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None], "c": [0.5, None, 1.5]})


@pytest.mark.parametrize("ext", ["csv", "parquet", "jsonl", "arrow", "feather", "tsv", "csv.gz"])
def test_files_by_extension(tmp_path: Path, ext: str) -> None:
    p = tmp_path / f"t.{ext}"
    if ext in ("csv",):
        DF.write_csv(p)
    elif ext == "tsv":
        DF.write_csv(p, separator="\t")
    elif ext == "csv.gz":
        import gzip

        p.write_bytes(gzip.compress(DF.write_csv().encode()))
    elif ext == "parquet":
        DF.write_parquet(p)
    elif ext == "jsonl":
        DF.write_ndjson(p)
    else:
        DF.write_ipc(p)
    ds = load(p)
    assert ds.frame.shape == (3, 3) and ds.source == p.name
    assert ds.frame.get_column("a").to_list() == [1, 2, 3]


def test_json_array_file(tmp_path: Path) -> None:
    p = tmp_path / "t.json"
    p.write_text('[{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]')
    assert load(p).frame.shape == (2, 2)


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"a,b\n1,x\n2,y\n")))
    ds = load("-")
    assert ds.frame.shape == (2, 2) and ds.source == "<stdin>"


def test_pandas_polars_arrow_objects_not_mutated() -> None:
    pdf = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": ["x", None, "z"]})
    before = pdf.copy()
    ds = load(pdf)
    assert ds.frame.shape == (3, 2)
    pd.testing.assert_frame_equal(pdf, before)
    table = pa.table({"a": [1, 2]})
    assert load(table).frame.shape == (2, 1)
    assert load(DF.lazy()).frame.equals(DF)
    loaded = load(DF)
    assert loaded.frame.equals(DF) and loaded.frame is not DF


def test_pandas_mixed_object_column_is_recorded() -> None:
    pdf = pd.DataFrame({"m": [1, "two", 3.0, None], "ok": [1, 2, 3, 4], 5: ["a", "b", "c", "d"]})
    ds = load(pdf)
    assert ds.mixed_types == {"m": ["number", "str"]}
    assert ds.frame.get_column("m").dtype == pl.String
    assert "5" in ds.frame.columns  # non-string names become strings


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "file is empty"),
        ("blank.csv", b"\n\n", "file is empty"),
        ("bin.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a text CSV"),
        ("dup.csv", b"a,b,a\n1,2,3\n", "duplicated column name 'a'"),
        ("bad.parquet", b"this is not parquet", "not a readable parquet"),
        ("bad.arrow", b"nope", "not a readable ipc"),
        ("t.xlsx", b"PK", "unknown file extension .xlsx"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(DataLoadError, match=message):
        load(p)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(DataLoadError, match="file not found"):
        load(tmp_path / "nope.csv")
    d = tmp_path / "d.csv"
    d.mkdir()
    with pytest.raises(DataLoadError, match="is a directory"):
        load(d)


def test_header_only_csv_has_zero_rows(tmp_path: Path) -> None:
    p = tmp_path / "h.csv"
    p.write_text("a,b,c\n")
    ds = load(p)
    assert ds.rows == 0 and ds.frame.columns == ["a", "b", "c"]


def test_hostile_and_unicode_column_names(tmp_path: Path) -> None:
    names = ["</script>", 'quo"te', "emoji 🚀", "עברית", "a,b"]
    df = pl.DataFrame({n: [1, 2] for n in names})
    p = tmp_path / "h.csv"
    df.write_csv(p)
    assert load(p).frame.columns == names


def test_late_type_change_in_csv_is_read(tmp_path: Path) -> None:
    p = tmp_path / "late.csv"
    p.write_text("a\n" + "1\n" * 20_000 + "oops\n")
    ds = load(p)
    assert ds.rows == 20_001 and ds.frame.get_column("a").dtype == pl.String


def test_unsupported_object() -> None:
    with pytest.raises(DataLoadError, match="cannot load an object of type int"):
        load(42)
    with pytest.raises(DataLoadError, match="duplicated column name"):
        load(pd.DataFrame([[1, 2]], columns=["a", "a"]))


def test_polars_object_columns_are_rebuilt() -> None:
    obj = pl.DataFrame({"o": pl.Series([1, None, 3.5], dtype=pl.Object), "m": pl.Series([1, "a", None], dtype=pl.Object)})
    ds = load(obj)
    assert ds.frame.schema["o"] == pl.Float64 and ds.frame.schema["m"] == pl.String
    assert ds.mixed_types == {"m": ["number", "str"]}


def test_pandas_missing_spellings_are_not_mixed_types() -> None:
    pdf = pd.DataFrame({
        "s": pd.array(["a", pd.NA, "b"], dtype=object),
        "t": [pd.Timestamp("2024-01-01"), pd.NaT, pd.Timestamp("2024-01-02")],
        "n": np.array([np.int64(1), 2, None], dtype=object),
        "u": np.array([np.str_("x"), "y", None], dtype=object),
        "p": pd.period_range("2024-01", periods=3, freq="M"),
    })
    ds = load(pdf)
    assert ds.mixed_types == {}
    assert ds.frame.get_column("s").to_list() == ["a", None, "b"]
    assert ds.frame.get_column("t").null_count() == 1 and ds.frame.get_column("n").null_count() == 1
    assert ds.frame.get_column("p").to_list() == ["2024-01", "2024-02", "2024-03"]


def test_bom_wide_header_tsv_gz_and_stray_nul(tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbfa,b\n1,2\n")
    assert load(bom).frame.columns == ["a", "b"]
    wide = tmp_path / "wide.csv"
    names = [f"col{i}" for i in range(12_000)]
    wide.write_text(",".join(names) + "\n" + ",".join("1" for _ in names) + "\n")
    assert load(wide).frame.width == 12_000
    import gzip

    tsv = tmp_path / "t.tsv.gz"
    tsv.write_bytes(gzip.compress(b"a\tb\n1\t2\n"))
    assert load(tsv).frame.columns == ["a", "b"]
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"a,b\n" + b"1,x\n" * 2000 + b'2,"y\x00z"\n')
    assert load(nul).rows == 2001


def test_jsonl_late_type_change(tmp_path: Path) -> None:
    p = tmp_path / "late.jsonl"
    p.write_text('{"a": 1}\n' * 20_000 + '{"a": "oops"}\n')
    assert load(p).rows == 20_001


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_csv_separator_is_sniffed(tmp_path: Path, sep: str) -> None:
    p = tmp_path / "t.csv"
    rows = [f"{i}{sep}name {i}{sep}{i % 3}" for i in range(50)]
    p.write_text(sep.join(["id", "name", "group"]) + "\n" + "\n".join(rows) + "\n")
    ds = load(p)
    assert ds.frame.columns == ["id", "name", "group"] and ds.rows == 50
    assert ds.frame.get_column("id").to_list() == list(range(50))


def test_semicolon_csv_reads_decimal_commas(tmp_path: Path) -> None:
    p = tmp_path / "eu.csv"
    p.write_text("preis;menge;ort\n1,5;2;Köln, Altstadt\n-0,25;3;Bonn\n10;4;Ulm\n")
    ds = load(p)
    assert ds.frame.get_column("preis").to_list() == [1.5, -0.25, 10.0]
    assert ds.frame.get_column("ort").to_list() == ["Köln, Altstadt", "Bonn", "Ulm"]


def test_comma_csv_with_other_separators_in_its_values_stays_comma(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("a,note\n" + "".join(f'{i},"x;y|z\t{i}"\n' for i in range(30)))
    assert load(p).frame.columns == ["a", "note"]
    one = tmp_path / "one.csv"
    one.write_text("only\n" + "".join(f"{i}\n" for i in range(10)))
    assert load(one).frame.columns == ["only"]
    ragged = tmp_path / "ragged.csv"  # neither separator splits it consistently: read as the extension says
    ragged.write_text("a;b\n1;2;3\n4\n5;6;7;8\n")
    assert load(ragged).frame.width == 1


def test_semicolon_csv_on_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"x;y\n" + b"".join(f"{i};{i * 2}\n".encode() for i in range(20))
    monkeypatch.setattr(sys, "stdin", type("S", (), {"buffer": io.BytesIO(data)})())
    ds = load("-")
    assert ds.frame.columns == ["x", "y"] and ds.rows == 20


def test_semicolon_csv_with_dot_decimals_keeps_its_numbers(tmp_path: Path) -> None:
    p = tmp_path / "dots.csv"
    p.write_text("a;b;c\n1.5;2;x\n2.5;3;y\n")
    assert load(p).frame.get_column("a").to_list() == [1.5, 2.5]
