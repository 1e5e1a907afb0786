"""The worker's Celery settings and the batch payload it accepts (no worker processes)."""

from __future__ import annotations

import ssl

import pytest

from georeasoner.errors import GeoReasonerError
from georeasoner.items import Item
from georeasoner.pipeline import PipelineOptions
from worker.app import Limits, make_app, ssl_options
from worker.protocol import BatchRequest, PayloadError, parse_payload


def _payload(**changes) -> dict:
    request = BatchRequest("job1", 3, {"name": "tiny", "lvlm": "x"}, "lvlm", PipelineOptions(),
                           [Item(7, path="/data/a.jpg"), Item(8, data=b"\xff\xd8bytes")], {8: "too big"})
    return dict(request.to_json(), **changes)


def test_app_accepts_json_only_and_never_pickle():
    conf = make_app("redis://127.0.0.1:1/0").conf
    assert conf.task_serializer == conf.result_serializer == "json"
    assert list(conf.accept_content) == ["json"]
    assert list(conf.result_accept_content) == ["json"]


def test_app_acknowledges_late_prefetches_one_and_requeues_the_batch_of_a_lost_worker():
    conf = make_app("redis://127.0.0.1:1/0").conf
    assert conf.task_acks_late is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_reject_on_worker_lost is True


def test_visibility_timeout_exceeds_the_hard_time_limit_which_exceeds_the_soft_one():
    limits = Limits(time_limit=600)
    conf = make_app("redis://127.0.0.1:1/0", limits).conf
    assert conf.task_soft_time_limit < conf.task_time_limit == 600
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert conf.result_expires > 0


def test_a_visibility_timeout_under_the_time_limit_is_refused():
    with pytest.raises(GeoReasonerError, match="must exceed --time-limit"):
        Limits(time_limit=600, visibility_timeout=300).check()


def test_rediss_urls_verify_the_server_certificate_by_default():
    assert ssl_options("rediss://:secret@redis.example:6380/0") == {"ssl_cert_reqs": ssl.CERT_REQUIRED}
    conf = make_app("rediss://:secret@redis.example:6380/0").conf
    assert conf.broker_use_ssl["ssl_cert_reqs"] == ssl.CERT_REQUIRED
    assert conf.redis_backend_use_ssl["ssl_cert_reqs"] == ssl.CERT_REQUIRED


def test_rediss_url_can_name_its_certificate_authority():
    options = ssl_options("rediss://redis.example:6380/0?ssl_ca_certs=/etc/ca.pem")
    assert options == {"ssl_cert_reqs": ssl.CERT_REQUIRED, "ssl_ca_certs": "/etc/ca.pem"}


def test_plain_redis_urls_use_no_tls():
    assert ssl_options("redis://127.0.0.1:6379/0") is None


def test_payload_round_trips_items_bytes_and_client_side_errors():
    request = parse_payload(_payload())
    assert (request.job, request.batch, request.engine) == ("job1", 3, "lvlm")
    assert request.items == [Item(7, path="/data/a.jpg"), Item(8, data=b"\xff\xd8bytes")]
    assert request.item_errors == {8: "too big"}


@pytest.mark.parametrize(
    "payload, reason",
    [
        ("just text", "JSON object"),
        (_payload(v=99), "version"),
        ({k: v for k, v in _payload().items() if k != "items"}, "missing field 'items'"),
        (_payload(batch="three"), "'batch' has the wrong type"),
        (_payload(items=[]), "no items"),
        (_payload(items=[{"path": "/a.jpg"}]), "bad item"),
        (_payload(items=[{"id": 1, "data_b64": "not base64!"}]), "bad item"),
        (_payload(options={"no_such_option": 1}), "bad pipeline options"),
    ],
)
def test_malformed_payloads_are_refused_with_a_reason(payload, reason):
    with pytest.raises(PayloadError, match=reason):
        parse_payload(payload)
