"""Overlay stacking and byte accounting, on hand-written layer entries (no archive involved)."""

from __future__ import annotations

import pytest

from dockerlint_slim.image.stack import Stacker
from dockerlint_slim.image.tar_stream import (
    DIR,
    FILE,
    HARDLINK,
    OPAQUE,
    SYMLINK,
    WHITEOUT,
    Entry,
)


def f(path, size):
    return Entry(path, FILE, size)


def d(path):
    return Entry(path, DIR)


def stack(*layers):
    stacker = Stacker()
    for entries in layers:
        stacker.add_layer(entries)
    return stacker.result()


def check_invariant(result):
    # every stored byte is either readable in the final file system or wasted
    assert result.final_bytes + result.wasted_bytes == result.image_bytes


def test_added_once_wastes_nothing():
    result = stack([d("/app"), f("/app/a", 100), f("/app/b", 50)], [f("/app/c", 7)])
    check_invariant(result)
    assert result.wasted_bytes == 0
    assert result.efficiency == 1.0
    assert [layer.bytes for layer in result.layers] == [150, 7]


def test_file_whiteout_wastes_the_deleted_copy_and_blames_both_layers():
    result = stack([f("/a", 100), f("/b", 10)], [Entry("/a", WHITEOUT)])
    check_invariant(result)
    assert result.wasted_bytes == 100
    assert result.layers[0].wasted_bytes == 100 and result.layers[1].removed_bytes == 100
    assert result.paths["/a"].count == 2 and result.paths["/a"].minimum == 0
    assert result.efficiency == pytest.approx(10 / 110)
    assert result.waste[(0, 1)]["/"].bytes == 100


def test_directory_whiteout_deletes_the_whole_tree():
    result = stack([d("/big"), d("/big/sub"), f("/big/x", 1000), f("/big/sub/y", 500), f("/keep", 1)],
                   [Entry("/big", WHITEOUT)])
    check_invariant(result)
    assert result.wasted_bytes == 1500
    assert result.final_bytes == 1
    assert result.paths["/big/sub/y"].wasted == 500
    assert result.efficiency == pytest.approx(1 / 1501)


def test_opaque_directory_hides_lower_contents_but_not_its_own_layer_whatever_the_order():
    lower = [d("/op"), f("/op/old", 300), d("/op/deep"), f("/op/deep/older", 30)]
    # the opaque marker after and before the layer's own file: same result
    for upper in ([d("/op"), f("/op/new", 7), Entry("/op", OPAQUE)], [d("/op"), Entry("/op", OPAQUE), f("/op/new", 7)]):
        result = stack(lower, upper)
        check_invariant(result)
        assert result.wasted_bytes == 330
        assert result.final_bytes == 7
        assert result.paths["/op/new"].wasted == 0


def test_whiteout_never_deletes_an_entry_of_its_own_layer():
    result = stack([f("/a", 5)], [f("/a", 9), Entry("/a", WHITEOUT)])
    check_invariant(result)
    assert result.final_bytes == 9
    assert result.wasted_bytes == 5


def test_grown_file_wastes_only_the_old_copy():
    # dive counts the whole 110 bytes as inefficient (wagoodman/dive#684); only 10 are dead
    result = stack([f("/grow", 10)], [f("/grow", 100)])
    check_invariant(result)
    assert result.wasted_bytes == 10
    assert result.paths["/grow"].wasted == 10
    # efficiency keeps dive's definition (smallest size seen / all sizes stored)
    assert result.efficiency == pytest.approx(10 / 110)


def test_same_size_rewrite_and_shrink():
    result = stack([f("/same", 40), f("/shrink", 200)], [f("/same", 40), f("/shrink", 50)])
    check_invariant(result)
    assert result.paths["/same"].wasted == 40
    assert result.paths["/shrink"].wasted == 200
    assert result.paths["/shrink"].minimum == 50
    assert result.efficiency == pytest.approx((40 + 50) / (80 + 250))
    assert result.waste[(0, 1)]["/"].overwritten_bytes == 240


def test_hard_link_keeps_bytes_alive_after_the_original_name_is_deleted():
    result = stack([f("/usr/bin/python3.11", 5000), Entry("/usr/bin/python3", HARDLINK, 0, "/usr/bin/python3.11")],
                   [Entry("/usr/bin/python3.11", WHITEOUT)])
    check_invariant(result)
    assert result.wasted_bytes == 0
    assert result.final_bytes == 5000
    result = stack([f("/a", 5000), Entry("/b", HARDLINK, 0, "/a")], [Entry("/a", WHITEOUT), Entry("/b", WHITEOUT)])
    check_invariant(result)
    assert result.wasted_bytes == 5000
    assert result.layers[0].wasted_bytes == 5000


def test_symlink_replacing_a_directory_hides_the_tree():
    result = stack([d("/lib"), f("/lib/libc.so", 2000)], [Entry("/lib", SYMLINK, 0, "usr/lib")])
    check_invariant(result)
    assert result.wasted_bytes == 2000


def test_file_replacing_a_file_parent_turns_it_into_a_directory():
    result = stack([f("/etc/conf", 70)], [f("/etc/conf/part", 3)])
    check_invariant(result)
    assert result.wasted_bytes == 70
    assert result.final_bytes == 3


def test_count_is_per_layer_and_deletion_is_seen():
    result = stack([f("/x", 1)], [f("/x", 2)], [Entry("/x", WHITEOUT)], [f("/x", 3)])
    check_invariant(result)
    stat = result.paths["/x"]
    assert (stat.count, stat.total, stat.minimum, stat.wasted) == (4, 6, 0, 3)


def test_whiteout_of_missing_path_is_ignored():
    result = stack([f("/a", 1)], [Entry("/nothing", WHITEOUT), Entry("/dir", OPAQUE)])
    check_invariant(result)
    assert result.wasted_bytes == 0
    assert "/nothing" not in result.paths


def test_user_waste_excludes_waste_internal_to_the_base():
    result = stack([f("/a", 100)], [Entry("/a", WHITEOUT), f("/b", 10)], [f("/b", 10)])
    assert result.wasted_bytes == 110
    assert result.wasted_between(1) == 110  # dive's rule: only layer 0 is the base
    assert result.wasted_between(2) == 10  # base = layers 0-1: deleting /a happened inside the base


def test_very_deep_trees_are_deleted_without_recursion():
    depth = 5000  # far beyond Python's recursion limit
    path = ""
    entries = []
    for _ in range(depth):
        path += "/d"
        entries.append(d(path))
    entries.append(f(path + "/file", 9))
    result = stack(entries, [Entry("/d", WHITEOUT)])
    check_invariant(result)
    assert result.wasted_bytes == 9
