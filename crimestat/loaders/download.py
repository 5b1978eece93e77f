"""Downloading a published file: with a timeout, a size limit, and never a partial file left behind.

Used by ``crimestat releases add URL``: the file is written into a folder the caller chose (a temporary
folder that becomes the release only when every file has arrived whole and been checked). A download that
fails, stalls past the timeout, grows past the limit, or ends before the length the server announced is a
``DownloadError`` naming the address and what happened, and the partial file is removed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

from ..errors import CrimestatError

DEFAULT_TIMEOUT = 60.0  # seconds without a byte before a download is given up
DEFAULT_LIMIT = 1024 * 1024 * 1024  # 1 GiB: the largest Home Office table is a few hundred MB unpacked
_CHUNK = 1024 * 1024


class DownloadError(CrimestatError):
    """A file could not be downloaded whole."""

    exit_code = 1


def is_url(text: str) -> bool:
    return urlparse(text).scheme in ("http", "https")


def file_name(url: str, content_disposition: str | None = None) -> str:
    """The name to save a download as: the server's ``filename=``, else the address's last part."""
    name = ""
    if content_disposition:
        found = re.search(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', content_disposition, re.I)
        if found:
            name = unquote(found.group(1))
    if not name:
        name = unquote(urlparse(url).path.rstrip("/").rsplit("/", 1)[-1])
    name = os.path.basename(name.replace("\\", "/")).strip()
    name = "".join(c if c.isprintable() and c not in '<>:"|?*' else "_" for c in name)
    return name if name and name not in (".", "..") else "download"


def fetch(url: str, folder: Path, timeout: float = DEFAULT_TIMEOUT, limit: int = DEFAULT_LIMIT,
          taken: set[str] | None = None) -> Path:
    """Download ``url`` into ``folder``; returns the file written. ``taken``: names already used there."""
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "crimestat (releases add)"})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (http and https only: is_url)
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"{url}: the server answered {exc.code} {exc.reason}; expected the file") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DownloadError(f"{url}: cannot be downloaded ({reason}); check the address and the connection") \
            from None
    with response:
        announced = response.headers.get("Content-Length")
        expected = int(announced) if announced and announced.isdigit() else None
        if expected is not None and expected > limit:
            raise DownloadError(f"{url}: the file is {expected:,} bytes, over the limit of {limit:,} "
                                "(--max-size); expected a smaller file or a higher limit")
        name = file_name(response.geturl() or url, response.headers.get("Content-Disposition"))
        if taken is not None and name in taken:
            raise DownloadError(f"{url}: its file name '{name}' is already used by another file of the release; "
                                "expected each file to have its own name")
        target = folder / name
        received = 0
        try:
            with open(target, "wb") as stream:
                while True:
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    received += len(chunk)
                    if received > limit:
                        raise DownloadError(f"{url}: the download passed the limit of {limit:,} bytes (--max-size); "
                                            "expected a smaller file or a higher limit")
                    stream.write(chunk)
                stream.flush()
                os.fsync(stream.fileno())
        except DownloadError:
            target.unlink(missing_ok=True)
            raise
        except (OSError, ValueError, http.client.HTTPException) as exc:  # a timeout, a cut connection
            target.unlink(missing_ok=True)
            if isinstance(exc, OSError) and exc.filename:
                raise DownloadError(f"{url}: cannot be saved ({exc.strerror or exc})") from None
            raise DownloadError(f"{url}: the download stopped after {received:,} bytes ({exc}); try again") \
                from None
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        if expected is not None and received != expected:
            target.unlink(missing_ok=True)
            raise DownloadError(f"{url}: the download ended after {received:,} of {expected:,} bytes; "
                                "try again")
    if taken is not None:
        taken.add(name)
    return target
