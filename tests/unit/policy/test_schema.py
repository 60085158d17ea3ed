"""The published schema is generated from the model, and the committed copy matches it."""

from __future__ import annotations

import json

import yaml
from jsonschema import Draft202012Validator

from auditor.policy.schema import pack_schema, schema_json
from tests.conftest import ROOT, TAOBAO


def test_committed_schema_matches_the_model() -> None:
    committed = (ROOT / "schema" / "pack.schema.json").read_text(encoding="utf-8")
    assert committed == schema_json(), "schema/pack.schema.json is stale: run `make schema` and commit it"


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(pack_schema())


def test_builtin_pack_validates_against_the_published_schema() -> None:
    schema = json.loads((ROOT / "schema" / "pack.schema.json").read_text(encoding="utf-8"))
    data = yaml.safe_load((TAOBAO / "pack.yaml").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(data)) == []


def test_pack_points_editors_at_the_schema() -> None:
    first = (TAOBAO / "pack.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schema/pack.schema.json"
