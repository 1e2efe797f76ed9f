"""Regenerate the JSON Schema files in schema/ from the pydantic models."""

from pathlib import Path

from ceasefire_news.schema.schemas import write_schemas

if __name__ == "__main__":
    for path in write_schemas(Path(__file__).resolve().parents[1] / "schema"):
        print(path)
