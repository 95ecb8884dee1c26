"""Worker processes start with the memory set-up the model needs (huge pages where glibc has
them) and leave this process's environment as it was."""

from __future__ import annotations

import os

from sim import executors

NAMES = sorted(executors.HUGE_PAGES)


def test_pool_workers_start_with_the_worker_environment():
    before = dict(os.environ)
    expected = {name: os.environ.get(name) for name in NAMES} | executors.worker_environment()
    seen = dict(executors.pool(os.getenv, NAMES, workers=2))
    assert seen == expected
    assert dict(os.environ) == before


def test_huge_pages_on_glibc_from_2_35(monkeypatch):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(executors.os, "confstr", lambda name: "glibc 2.35")
    assert executors.worker_environment() == executors.HUGE_PAGES
    monkeypatch.setattr(executors.os, "confstr", lambda name: "glibc 2.34")
    assert executors.worker_environment() == {}


def test_no_huge_pages_without_glibc(monkeypatch):
    def not_glibc(name: str) -> str:
        raise ValueError(name)

    monkeypatch.setattr(executors.os, "confstr", not_glibc)
    assert executors.worker_environment() == {}


def test_a_variable_the_user_set_is_left_alone(monkeypatch):
    monkeypatch.setattr(executors.os, "confstr", lambda name: "glibc 2.36")
    monkeypatch.setenv("PYTHONMALLOC", "pymalloc")
    assert executors.worker_environment() == {"GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"}
