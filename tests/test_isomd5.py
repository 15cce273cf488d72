"""The MD5 punji implants into its ISO images, against isomd5sum's own implantisomd5 and
checkisomd5: byte for byte the same application data, whether implanted in one read of an
image or while the writer streams it (make_image), for both writers and images of sizes
that put the fragment boundaries anywhere in implantisomd5's reads."""

import os
import random
import shutil
import subprocess

import pytest

from punji_lib.errors import PunjiError
from punji_lib.media import iso, isomd5

MiB = 1 << 20


def files_of(top, sizes, seed):
    """A directory under TOP of files of SIZES bytes (random content); {ISO path: disk path}."""
    rng = random.Random(seed)
    os.makedirs(top, exist_ok=True)
    files = {}
    for n, size in enumerate(sizes):
        path = os.path.join(top, "f%d.bin" % n)
        with open(path, "wb") as f:
            f.write(rng.randbytes(size))
        files["data/f%d.bin" % n] = path
    return files


def written(tmp_path, tool, sizes, seed):
    """An image TOOL wrote (not implanted) of files of SIZES."""
    files = files_of(str(tmp_path / ("files%d" % seed)), sizes, seed)
    path_list = str(tmp_path / ("list%d" % seed))
    iso.write_path_list(path_list, files)
    output = str(tmp_path / ("image%d.iso" % seed))
    iso.run_tool(iso.mkisofs_command(tool, output, path_list, "TEST %d" % seed))
    return output


def implanted_by_isomd5sum(path, supported):
    copy = path + ".theirs"
    shutil.copyfile(path, copy)
    subprocess.run(["implantisomd5"] + (["--supported-iso"] if supported else []) + [copy], check=True,
                   stdout=subprocess.DEVNULL)
    with open(copy, "rb") as f:
        return f.read()


def checkisomd5(path):
    return subprocess.run(["checkisomd5", path], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL).returncode


CASES = [("genisoimage", [700 * 1024], False), ("xorriso", [3 * MiB + 12345, 5000], True),
         ("genisoimage", [9 * MiB + 777, 1 * MiB, 33333], False), ("xorriso", [14 * MiB + 4096 * 7], False),
         ("genisoimage", [2 * MiB - 2048 * 5, 100], True)]


@pytest.mark.parametrize("seed", range(len(CASES)))
def test_the_implant_is_byte_for_byte_what_implantisomd5_writes(tmp_path, seed):
    tool, sizes, supported = CASES[seed]
    path = written(tmp_path, tool, sizes, seed)
    theirs = implanted_by_isomd5sum(path, supported)
    md5 = isomd5.implant(path, supported)
    with open(path, "rb") as f:
        assert f.read() == theirs
    assert isomd5.read_implanted(path)["md5"] == md5
    assert checkisomd5(path) == 0


@pytest.mark.parametrize("tool", ["genisoimage", "xorriso"])
def test_an_image_written_through_a_pipe_gets_the_implant_isomd5sum_gives_it(tmp_path, tool):
    """make_image has the writer write a plain image to its standard output and implants the
    md5 computed on the way to the file: implantisomd5 on the same image (its application
    data blanked again) writes the same bytes, and checkisomd5 passes it."""
    files = files_of(str(tmp_path / "files"), [6 * MiB + 1234, 777], 7)
    output = str(tmp_path / "image.iso")
    made = iso.make_image(output, files, "STREAMED", str(tmp_path), tool=tool, supported=True)
    made.flushed()
    assert made.md5 == isomd5.read_implanted(output)["md5"]
    assert checkisomd5(output) == 0
    blank = str(tmp_path / "blank.iso")
    shutil.copyfile(output, blank)
    appdata = isomd5.read_implanted(output)["appdata"]
    with open(blank, "r+b") as f:
        f.seek(appdata)
        f.write(b" " * isomd5.APPDATA_SIZE)
    with open(output, "rb") as f:
        assert f.read() == implanted_by_isomd5sum(blank, True)


def test_an_image_whose_application_data_is_used_or_no_image_is_refused(tmp_path):
    path = written(tmp_path, "genisoimage", [MiB], 3)
    isomd5.implant(path)
    with pytest.raises(PunjiError, match="image3.iso: its application data is in use: no md5 implanted"):
        isomd5.implant(path)
    other = tmp_path / "not-an-image.iso"
    other.write_bytes(b"\0" * (20 * isomd5.SECTOR))
    with pytest.raises(PunjiError, match="not-an-image.iso: no primary volume descriptor"):
        isomd5.implant(str(other))
    other.write_bytes(b"\0" * (16 * isomd5.SECTOR + 100))
    with pytest.raises(PunjiError, match="not-an-image.iso: the image ends before its volume does"):
        isomd5.implant(str(other))
