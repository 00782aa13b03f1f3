"""The public names are exactly these: adding one is a decision, removing one breaks users."""

import seismo


def test_public_api() -> None:
    assert sorted(seismo.__all__) == sorted([
        "Column", "DataLoadError", "Dataset", "FailureMode", "Finding", "InputError", "Kind", "Report", "Role",
        "Schema", "SchemaError", "SeismoError", "Severity", "__version__", "infer_schema", "load", "profile_reference",
        "scan", "scan_labels",
        "scan_leakage",
    ])
    for name in seismo.__all__:
        assert hasattr(seismo, name), name


def test_profile_api() -> None:
    import seismo.profile

    assert {"ColumnProfile", "TableProfile", "profile_table", "merge"} <= set(seismo.profile.__all__)


def test_stream_api() -> None:
    import seismo.stream

    assert sorted(seismo.stream.__all__) == sorted([
        "ADWIN", "CUSUM", "DDM", "DETECTORS", "EDDM", "FHDDM", "HDDMA", "HDDMW", "KSWIN", "BinaryDriftDetector",
        "DriftDetector", "PageHinkley", "WarningMixin", "get_detector_class", "make_detector",
    ])
    for name in seismo.stream.__all__:
        assert hasattr(seismo.stream, name), name
