"""Shared test set-up: notebooks must leave no warning or traceback behind."""

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail a notebook cell (run by nbval) that wrote anything to stderr.

    nbval already fails a cell that raises; warnings, though, are printed to
    stderr and would pass unnoticed in front of a class.
    """
    result = yield
    for output in getattr(item, "test_outputs", None) or []:
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            raise AssertionError(
                f"{item.name} wrote to stderr (a warning?): {output.get('text')!r}"
            )
    return result
