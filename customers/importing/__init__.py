"""Bringing the notebooks in (issue 8): spreadsheet import of customers with a dry run
checked by the duplicate engine, decisions per row, and an all-or-nothing commit."""
