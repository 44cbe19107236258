from pathlib import Path

import pytest

from caqes_demo import generate_demo


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("size", ["small", "region"])
def test_same_seed_gives_byte_identical_files(tmp_path, size):
    a = generate_demo(tmp_path / "a", size=size, seed=2022)
    b = generate_demo(tmp_path / "b", size=size, seed=2022)
    tree_a, tree_b = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert tree_a.keys() == tree_b.keys()
    for name in tree_a:
        assert tree_a[name] == tree_b[name], name
    assert a["counts"] == b["counts"]
    assert len(a["files"]) == len(tree_a)


def test_another_seed_gives_other_data(tmp_path):
    generate_demo(tmp_path / "a", size="small", seed=2022)
    generate_demo(tmp_path / "b", size="small", seed=2023)
    assert (tmp_path / "a/phev/phev_2022.csv").read_bytes() != (tmp_path / "b/phev/phev_2022.csv").read_bytes()
    assert (tmp_path / "a/finess/etalab-cs1100507-stock-2022-12-31.csv").read_bytes() != \
        (tmp_path / "b/finess/etalab-cs1100507-stock-2022-12-31.csv").read_bytes()


def test_regeneration_in_place_is_stable(tmp_path):
    generate_demo(tmp_path, size="small")
    first = _tree(tmp_path)
    generate_demo(tmp_path, size="small")
    assert _tree(tmp_path) == first


def test_unknown_size_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="size"):
        generate_demo(tmp_path, size="national")
