"""The plugin repeats the result schema (it never imports the library): the two must agree."""

from georeasoner import schema
from qgis_plugin import fields


def test_the_plugin_knows_every_result_field_with_its_type_in_order():
    assert list(fields.RESULT_FIELDS.items()) == list(schema.RESULT_FIELDS.items())


def test_the_plugin_knows_every_status():
    assert set(fields.STATUSES) == {schema.STATUS_OK, schema.STATUS_LOW_LOC, schema.STATUS_ERROR}
