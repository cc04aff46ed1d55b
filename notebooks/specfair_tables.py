"""Load SpecFair tables into pandas for the notebooks.

Three ways, first that works: PySpark (reads the Parquet tables directly, partition values as strings),
pandas + pyarrow, or the project's own `jobs/specfair export` (CSV through the project's Spark; needs only
Java). Set SPECFAIR_ROOT to the output root (default: out) and SPECFAIR_HOME to the checkout (default: the
parent of this folder).
"""
import os
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

HOME = Path(os.environ.get("SPECFAIR_HOME", Path(__file__).resolve().parent.parent))
ROOT = Path(os.environ.get("SPECFAIR_ROOT", HOME / "out")).resolve()
PARTITIONS = ["experiment", "stage", "judge"]
_csv_dir = None


def _spark():
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return None
    return (SparkSession.builder.master("local[2]").appName("specfair notebook")
            .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false").getOrCreate())


def _export():
    """One `jobs/specfair export` call for every small table (a JVM start costs seconds)."""
    global _csv_dir
    if _csv_dir is None:
        _csv_dir = Path(tempfile.mkdtemp(prefix="specfair-csv-"))
        subprocess.run([str(HOME / "jobs" / "specfair"), "export", "--root", str(ROOT), "--out", str(_csv_dir),
                        "--master", "local[2]"], check=True, stdout=subprocess.DEVNULL)
    return _csv_dir


def tables():
    """Names of the tables under the root."""
    return sorted(p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")) and any(p.rglob("*.parquet")))


def load(name):
    """A table as a DataFrame; None when the root has no such table (sections then say so)."""
    if name not in tables():
        return None
    spark = _spark()
    if spark is not None:
        return spark.read.option("basePath", str(ROOT / name)).parquet(str(ROOT / name)).toPandas()
    try:
        import pyarrow  # noqa: F401
        df = pd.read_parquet(ROOT / name)
        for col in PARTITIONS:
            if col in df.columns:
                df[col] = df[col].astype(str)
        return df
    except ImportError:
        path = _export() / f"{name}.csv"
        # Partition values and names stay strings (a stage named 01 is not the number 1).
        return pd.read_csv(path, dtype={c: str for c in PARTITIONS + ["category", "stage_before", "stage_after", "stage_pair"]},
                           keep_default_na=False, na_values=[""])


def stage_order(stages):
    """base first, then the rest by name (the report's order)."""
    stages = sorted(set(stages))
    return (["base"] if "base" in stages else []) + [s for s in stages if s != "base"]
