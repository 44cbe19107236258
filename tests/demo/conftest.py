import time

import pytest

from caqes_demo import generate_demo


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory):
    landing = tmp_path_factory.mktemp("small") / "landing"
    return landing, generate_demo(landing, size="small")


@pytest.fixture(scope="session")
def region_demo(tmp_path_factory):
    landing = tmp_path_factory.mktemp("region") / "landing"
    start = time.perf_counter()
    result = generate_demo(landing, size="region")
    return landing, result, time.perf_counter() - start
