"""lamsach's core over Arrow record batches (see python/README.md and the README's "On Spark").

Every function takes the job file's path and reads it as the ``lamsach`` CLI does.
"""

from ._lamsach import (  # noqa: F401
    DIMENSIONS,
    FIELDS,
    RULES,
    assess,
    __version__,
    blocking_keys,
    explain_pairs,
    frequencies,
    job_plan,
    normalize_rows,
    read_source,
    reduce_links,
    score_blocks,
    train,
)
