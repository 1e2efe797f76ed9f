"""The dataset.yaml model: strict, documented, and the project's own file is valid and complete."""

from __future__ import annotations

import pytest
import yaml
from pydantic import BaseModel

from ceasefire_news.errors import ProblemLog
from ceasefire_news.gold.seeds import default_seeds_dir
from ceasefire_news.release.card import SECTIONS
from ceasefire_news.release.metadata import CardText, DatasetMetadata, NamedLicense, read_dataset_info


@pytest.mark.parametrize("model", [DatasetMetadata, CardText, NamedLicense])
def test_strict_and_every_field_described(model: type[BaseModel]) -> None:
    assert model.model_config["extra"] == "forbid"
    for name, field in model.model_fields.items():
        assert field.description and len(field.description) > 10, f"{model.__name__}.{name}"


def test_every_card_section_is_a_key_or_derived() -> None:
    """Each section the card can report as 'not filled in' is a CardText key, or creators/CHANGELOG.md."""
    assert set(SECTIONS) == set(CardText.model_fields) - {"tasks"} | {"curators", "changelog"}


def test_project_metadata_fills_every_section() -> None:
    log = ProblemLog()
    info = read_dataset_info(default_seeds_dir(), log)
    assert not log.problems
    assert info.name == "ceasefire-news" and info.has_metadata
    assert info.license_text and info.changelog
    assert all(getattr(info.metadata.card, key) for key in CardText.model_fields), "the project's card has no gaps"
    raw = yaml.safe_load((default_seeds_dir() / "dataset.yaml").read_text(encoding="utf-8"))
    assert DatasetMetadata.model_validate(raw) == info.metadata
