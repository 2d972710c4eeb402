"""
Importing the list of affected people (CSV: email,categories,tier,remedy_code).

The file is streamed: memory stays flat however many millions of rows it has.
Each row is validated; a bad row goes to the error report with its line number
and reason while every good row is imported. Emails become keyed digests
before anything is stored. Importing the same file twice changes nothing; a
re-import with changed rows updates them.

On PostgreSQL good rows are COPYed into an unindexed temporary table, then
merged in one statement: new addresses inserted in digest order (index-friendly),
changed ones updated; on other databases they are merged in chunks with
bulk_create/bulk_update.

- `rows`: the file check, and each row parsed and validated;
- `postgres`: the COPY merge;
- `orm`: the bulk_create/bulk_update merge;
- `batches`: a batch created, run and found stalled.
"""

from .batches import (  # noqa: F401
    import_batch_create,
    import_batch_run,
    import_batches_stalled,
)
from .rows import (  # noqa: F401
    HEADER,
    BadRow,
    GoodRow,
    emails_in,
    import_file_check,
    parse_rows,
)
