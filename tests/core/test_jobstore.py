"""The job store keeps records keyed by photo, for resume and de-duplication."""

import pytest

from georeasoner.errors import GeoReasonerError
from georeasoner.jobstore import JobStore
from georeasoner.schema import STATUS_OK, empty_record, error_record


def _ok(item, flag=0):
    record = empty_record(item)
    record.update(gr_status=STATUS_OK, gr_loc=0.5, gr_flag=flag)
    return record


def test_a_record_stored_twice_is_kept_once(tmp_path):
    store = JobStore(str(tmp_path / "job"), {"a": 1}, resume=False)
    assert store.put([_ok(0), _ok(1)]) == 2
    assert store.put([_ok(1), _ok(2)]) == 1
    assert store.done_items() == {0, 1, 2}


def test_records_come_back_in_the_order_asked(tmp_path):
    store = JobStore(str(tmp_path / "job"), {}, resume=False)
    store.put([_ok(i) for i in range(5)])
    assert [r["gr_item"] for r in store.get([3, 0, 4])] == [3, 0, 4]


def test_asking_for_a_missing_record_is_an_error_that_suggests_resume(tmp_path):
    store = JobStore(str(tmp_path / "job"), {}, resume=False)
    store.put([_ok(0)])
    with pytest.raises(GeoReasonerError, match="--resume"):
        store.get([0, 1])


def test_resuming_keeps_earlier_records(tmp_path):
    path = str(tmp_path / "job")
    JobStore(path, {"job": "x"}, resume=False).put([_ok(0)])
    assert JobStore(path, {"job": "x"}, resume=True).done_items() == {0}


def test_starting_without_resume_forgets_earlier_records(tmp_path):
    path = str(tmp_path / "job")
    first = JobStore(path, {"job": "x"}, resume=False)
    first.put([_ok(0)])
    first.close()
    assert JobStore(path, {"job": "x"}, resume=False).done_items() == set()


def test_resuming_a_different_job_is_refused(tmp_path):
    path = str(tmp_path / "job")
    JobStore(path, {"job": "x"}, resume=False).close()
    with pytest.raises(GeoReasonerError, match="without --resume"):
        JobStore(path, {"job": "y"}, resume=True)


def test_summary_counts_statuses_and_flags(tmp_path):
    store = JobStore(str(tmp_path / "job"), {}, resume=False)
    store.put([_ok(0, flag=1), _ok(1), error_record(2, "file not found: x.jpg")])
    assert store.summary() == {"ok": 2, "low_loc": 0, "error": 1, "flagged": 1}


def test_closing_a_finished_job_removes_the_store(tmp_path):
    path = tmp_path / "job"
    store = JobStore(str(path), {}, resume=False)
    store.close(remove=True)
    assert not path.exists()
