# SPDX-License-Identifier: MIT
"""Shared helpers: the shipped data, read exactly (Python's float() reads the shortest
round-trip text the files hold back to the same double), and the command-line tool, whose
output the tests compare with the module's bit for bit."""

import csv
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("DYNMARGIN_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
TEST_DATA = SOURCE_DIR / "tests" / "data"
EXAMPLE_DATA = SOURCE_DIR / "examples" / "data"


def read_rows(path):
    with open(path, newline="") as handle:
        lines = [line for line in handle if not line.startswith("https://")]  # CryptoDataDownload's banner
    return list(csv.DictReader(lines))


def column(path, name):
    return np.array([float(row[name]) for row in read_rows(path)])


def returns_of(dataset):
    """tests/data/returns_<dataset>.csv, column r (percent log returns, oldest first)."""
    return column(TEST_DATA / f"returns_{dataset}.csv", "r")


@pytest.fixture(scope="session")
def cli():
    """Runs `dynmargin <args>` and returns its standard output. The path comes from CMake
    (DYNMARGIN_CLI); without the tool (examples not built) the comparisons are skipped."""
    path = os.environ.get("DYNMARGIN_CLI")
    if not path:
        pytest.skip("the dynmargin command-line tool is not built (DYNMARGIN_CLI unset)")
    assert os.path.isfile(path), f"DYNMARGIN_CLI names {path}, which does not exist"

    def run(*args):
        done = subprocess.run([path, *map(str, args)], capture_output=True, text=True, cwd=SOURCE_DIR)
        assert done.returncode == 0, f"dynmargin {' '.join(map(str, args))} failed: {done.stderr}"
        return done.stdout

    return run


def cli_csv(text):
    return list(csv.DictReader(text.splitlines()))


def cli_json(text):
    return json.loads(text)


def assert_bitwise_equal(actual, expected, what):
    """Same doubles, bit for bit (NaN where both have no value)."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    same = (actual.view(np.uint64) == expected.view(np.uint64)) | (np.isnan(actual) & np.isnan(expected))
    if not same.all():
        first = int(np.flatnonzero(~same)[0])
        raise AssertionError(f"{what}: {int((~same).sum())} values differ, first at {first}: "
                             f"{actual[first]!r} != {expected[first]!r}")
