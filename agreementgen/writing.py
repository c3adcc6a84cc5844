"""Write output files atomically: a reader never sees a half-written document.

Only regular files are ever replaced: a folder, a device, a named pipe, a socket or a symbolic
link at the target is refused, with or without ``force``. Without ``force`` the file is put in
place only if its name is still free at that moment, so two runs writing the same new file
cannot both succeed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agreementgen.errors import OutputError, Problem
from agreementgen.i18n import message

#: Characters of the target's name kept in its temporary file's name, so that a long (but
#: valid) name still leaves room for the random part and the suffix.
_TEMPORARY_NAME_CHARS = 40

#: What link() fails with where a filesystem has no hard links (FAT gives EPERM).
_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EMLINK,
                  errno.EXDEV}

#: ``file_kind_*`` message key for each kind of file that is not a regular file or a folder.
_KINDS = {
    stat.S_IFIFO: "file_kind_fifo",
    stat.S_IFCHR: "file_kind_character_device",
    stat.S_IFBLK: "file_kind_block_device",
    stat.S_IFSOCK: "file_kind_socket",
}


def check_target(path: Path, force: bool, *, make_folder: bool = False) -> None:
    """Refuse a target that may not be written, before any work is done.

    A regular file is replaced only with ``force``; anything else at the target (a folder,
    device, named pipe, socket or symbolic link) is refused even with it.

    Args:
        path: The file to write.
        force: Replace an existing regular file.
        make_folder: The folder may be missing (the writer makes it with
            :func:`folder_for`); then only a file in place of one of its folders is refused.

    Raises:
        OutputError: With the reason.
    """
    if _refuse_non_file(path) and not force:
        raise _error("output_exists", path, path=path)
    if make_folder:
        _check_folders(path)
    elif not path.parent.is_dir():
        raise _error("output_folder_missing", path, folder=path.parent)


@contextlib.contextmanager
def folder_for(path: Path) -> Iterator[None]:
    """Make the missing folders above ``path`` for a block that writes it.

    When the block fails, the folders made here are removed again (those still empty), so a
    failed write leaves nothing behind.

    Raises:
        OutputError: A folder cannot be made.
    """
    missing = []
    for folder in (path.parent, *path.parent.parents):
        if os.path.lexists(folder):
            break
        missing.append(folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _remove_empty(missing)
        raise _error("output_folder_unmakeable", path, folder=path.parent,
                     reason=exc.strerror or exc) from None
    try:
        yield
    except BaseException:
        _remove_empty(missing)
        raise


def write_atomic(path: Path, data: bytes, *, replace: bool = True) -> None:
    """Write ``data`` to a temporary file beside ``path``, then put it in place.

    An interrupted write (an error, Ctrl-C) leaves the old file, or none, never a partial one.

    Args:
        path: The file to write; its folder must exist.
        data: The whole content.
        replace: Replace a regular file of that name. Without it the file is put in place
            only if the name is still free at that moment (atomically: a file another run
            wrote meanwhile is kept). Anything but a regular file is never replaced.

    Raises:
        OutputError: The folder cannot hold a new file, the name is taken (without
            ``replace``) or is not a regular file, or writing failed.
    """
    folder = path.parent
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name[:_TEMPORARY_NAME_CHARS]}.",
                                         suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _error("output_folder_unwritable", path, folder=folder,
                     reason=exc.strerror or exc) from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if replace:
            # Checked again here: the name may have changed since check_target.
            _refuse_non_file(path)
            os.replace(temporary, path)
        else:
            _place_new(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise _error("output_unwritable", path, path=path, reason=exc.strerror or exc) from None
        raise


def _place_new(temporary: str, path: Path) -> None:
    """Give the temporary file the name ``path`` only if no file has it (never replace)."""
    try:
        # A hard link is made only when the name is free, atomically, on every POSIX
        # filesystem that has hard links (and NTFS).
        os.link(temporary, path)
    except FileExistsError:
        raise _error("output_exists", path, path=path) from None
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        # No hard links (FAT, some network and FUSE filesystems): claim the name with an
        # exclusive create, then rename the finished file over the claim. For a moment the
        # name holds an empty file, but no run without --force can take it meanwhile.
        _claim_and_replace(temporary, path)
    else:
        os.unlink(temporary)


def _claim_and_replace(temporary: str, path: Path) -> None:
    try:  # O_EXCL also fails on a symbolic link, even a dangling one
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise _error("output_exists", path, path=path) from None
    claim = os.lstat(path)
    try:
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            now = os.lstat(path)
            if (now.st_dev, now.st_ino) == (claim.st_dev, claim.st_ino):
                os.unlink(path)  # our own empty claim, not a file someone else wrote
        raise


def _refuse_non_file(path: Path) -> bool:
    """Whether a regular file is at ``path``; refuse anything else that is.

    Raises:
        OutputError: Something other than a regular file is at ``path``, or it cannot be
            looked at.
    """
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as exc:
        raise _error("output_unwritable", path, path=path, reason=exc.strerror or exc) from None
    mode = info.st_mode
    if stat.S_ISREG(mode):
        return True
    if stat.S_ISDIR(mode):
        raise _error("output_is_folder", path)
    if stat.S_ISLNK(mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        raise _error("output_is_link", path, target=target)
    kind = message(_KINDS.get(stat.S_IFMT(mode), "file_kind_other"))
    raise _error("output_not_a_file", path, kind=kind)


def _check_folders(path: Path) -> None:
    """Refuse a target whose nearest existing folder is a file (nothing can be made in it)."""
    for folder in (path.parent, *path.parent.parents):
        try:
            info = folder.stat()
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError:
            return  # cannot look: the write reports why
        if not stat.S_ISDIR(info.st_mode):
            raise _error("output_folder_is_file", path, folder=folder)
        return


def _remove_empty(folders: list[Path]) -> None:
    """Remove folders this run made, deepest first, as long as they are empty."""
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _error(code: str, target: Path, /, **values: Any) -> OutputError:
    text = message(code, **values)
    return OutputError(text, [Problem(str(target), text, code=code)])
