"""The corpus report's CSV files: safe to open in a spreadsheet, written whole or not at all.

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (CSV injection), and a word of a treebank or a treebank's file name can
start so. As OWASP recommends, :func:`safe_csv` puts a single quote ``'`` before every such
*text* cell (``=HYPERLINK(...)`` is written ``'=HYPERLINK(...)``; ``-`` is written ``'-``): a
spreadsheet shows the text and runs nothing. Numeric columns are written as they are, so a
negative number stays a number. Every text cell is also enclosed in double quotes (as OWASP
recommends too; a carriage return inside a cell then cannot end a row), numbers are not.
Parquet files keep every value as it is.

:func:`write_csv` writes through :func:`afn_widget.files.writing`: an interrupted write leaves
no half-written file under the target's name.
"""

from __future__ import annotations

import csv
import os
from typing import Any

from ..files import writing

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: Any) -> Any:
    """``cell`` with a ``'`` before it when it is text starting with one of
    :data:`FORMULA_START`; any other value as it is."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def safe_csv(frame: Any) -> Any:
    """A copy of the DataFrame ``frame`` whose text cells are :func:`neutralised` (columns of
    strings, objects or categories); numeric and boolean columns unchanged."""
    import pandas as pd

    out = frame.copy()
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        dtype = column.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            column = column.astype(object)
        elif not (pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)):
            continue
        out.isetitem(i, column.map(neutralised))
    return out


def write_csv(frame: Any, path: str | os.PathLike | Any = None) -> str | None:
    """``frame`` as CSV through :func:`safe_csv`, without its index, text quoted
    (:data:`csv.QUOTE_NONNUMERIC`): to the file ``path`` (written whole or not at all), to an
    open text file, or returned as a string when ``path`` is ``None``."""
    safe = safe_csv(frame)
    if not isinstance(path, (str, os.PathLike)):
        return safe.to_csv(path, index=False, quoting=csv.QUOTE_NONNUMERIC)
    with writing(path) as tmp:
        safe.to_csv(tmp, index=False, quoting=csv.QUOTE_NONNUMERIC)
    return None
