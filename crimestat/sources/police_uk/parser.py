"""Read the police.uk street-level archive: monthly files of one row per crime or ASB incident.

The parser is four modules: ``files`` (finding files in folders and archives, reading their bytes),
``fast`` (whole blocks counted with numpy), ``careful`` (line by line, naming lines; one file's counts) and
``counts`` (many files, on worker processes; the monthly counts the source loads). This module names
what the rest of crimestat uses.

Files are named ``YYYY-MM-<force>-street.csv`` inside ``YYYY-MM/`` folders, and come as folders, zip
archives or ``.csv.gz`` files. Each file is counted on its own (``count_file`` is a pure function of
its bytes), so files can be counted in parallel or by any engine that maps over files; the counts are
then summed.

How a file is read, and why:

- **Streamed in blocks** of 1 MiB, never whole: memory stays bounded whatever the size of a file or
  archive member (a 1 GB member costs the same as a 1 MB one). A line longer than ``MAX_LINE`` bytes
  is an error, not a reason to buffer the rest of the file. Blocks are read straight into one buffer
  kept from file to file (``readinto``: the bytes are copied once, from the system), and the processes
  that count keep the memory numpy frees for the next block (``_keep_freed_memory``).
- **Counted at the byte level with numpy** (our own parser, not pyarrow's or pandas'): a street file
  has no quotes in practice, so a block of whole lines is split at its commas and newlines in a few
  vectorised passes, every row is checked to have exactly the header's number of fields, and the three
  columns needed (Month, Falls within, Crime type) are grouped by their exact bytes. This is about
  twice as fast per core as pyarrow's CSV reader (which tokenises and converts every column), and it
  needs only numpy, which crimestat imports anyway, so a worker starts in milliseconds instead of
  importing pyarrow's compute engine and pandas. Grouping is exact: a field is read as the 8-byte
  words that cover it (gathered as one fixed-size item a row), month and force are checked to be the
  same in every row of the block, crime types are bucketed by a hash and every row is then compared
  word for word with its bucket's representative; a collision falls back to an exact sort.
- **Anything irregular goes through the careful path**, line by line with the ``csv`` module: a block
  with a quote character, a blank line, a row with the wrong number of fields, or any value that
  would not simply be counted. That path knows line numbers, so every skipped row and every error
  names its line. A quoted field may hold a newline (it is one row, counted); a quote that never
  closes (within ``MAX_RECORD_LINES`` lines) is broken quoting: that one line is skipped and the lines
  after it are read again on their own.
- **Encodings and compression are recognised from the bytes**, not the name: gzip by its magic number
  (``.csv.gz``, or a gzipped file named ``.csv``), UTF-16 by its byte-order mark (transcoded to UTF-8
  as it streams), a UTF-8 byte-order mark dropped.

What is an error (the whole ingest fails, exit 1) and what is a skipped row (counted under its reason,
reported, exit 0):

- Skipped rows: a missing month, a month that differs from the file name's, an unknown crime type, a
  force that disagrees with the file name, the wrong number of fields or broken quoting.
- Errors: a Month that is not a month (``YYYY-MM`` with MM 01 to 12; ``2014-13`` is never read as
  January 2015), naming the file and line; a file whose last line has no newline, because that is
  what a truncated download or copy looks like, and a truncated file has silently lost the rows
  after the cut, which no row-level check can see (police.uk files always end with a newline);
  a line too long to be a row; an unreadable, corrupt or undecodable file; in a folder or archive, a
  zip inside a zip, a dangling symbolic link or a folder that cannot be listed, each of which would
  otherwise be left out unseen; a path given that holds no street-level file.
- Every message is short: quoted file content is cut to ``MAX_QUOTED`` characters.
"""

from .careful import COLUMNS, FileCounts, count_bytes, count_chunks, count_file, use_classification  # noqa: F401
from .counts import MONTHLY_COLUMNS, count_archive, iter_counts, load_counts_csv, load_monthly_counts  # noqa: F401
from .files import COMPANION, NAME, StreetFile, find_files, stream_chunks  # noqa: F401
