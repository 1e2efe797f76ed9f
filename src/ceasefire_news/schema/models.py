"""Pydantic models: the single source of truth for every record of every table."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .rules import (  # the constants live in a pydantic-free module (re-exported here)
    ALIGNMENT_RELATIONS,
    COMMIT_PATTERN,
    DOC_ID_PATTERN,
    ENTITY_LABELS,
    GROUP_LEVELS,
    KB_ID_PATTERN,
    NAME_LABELS,
    NER_TAGS,
    PAIR_LABELS,
    RELATIONS,
    REPO_PATH_PATTERN,
    REPOSITORY_PATTERN,
    ROLES,
    SHA256_PATTERN,
    URL_PATTERN,
)

# Literal types of the label sets (Literal[("a", "b")] is Literal["a", "b"]).
Role = Literal[ROLES]  # type: ignore[valid-type]
EntityLabel = Literal[ENTITY_LABELS]  # type: ignore[valid-type]
GroupLevel = Literal[GROUP_LEVELS]  # type: ignore[valid-type]
Relation = Literal[RELATIONS]  # type: ignore[valid-type]
AlignmentRelation = Literal[ALIGNMENT_RELATIONS]  # type: ignore[valid-type]
PairLabel = Literal[PAIR_LABELS]  # type: ignore[valid-type]


class Record(BaseModel):
    """Base of every record: strict types, unknown fields rejected, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Span(Record):
    """A half-open character span of a document with its surface text."""

    doc_id: str = Field(pattern=DOC_ID_PATTERN, description="Document id: the seed file name without .txt.")
    start: int = Field(ge=0, description="Start offset (Python str index, inclusive) into the document text.")
    end: int = Field(ge=1, description="End offset (Python str index, exclusive) into the document text.")
    text: str = Field(min_length=1, description="The surface string; equals the document text[start:end].")

    @model_validator(mode="after")
    def _span_is_consistent(self) -> Span:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be greater than start ({self.start})")
        if len(self.text) != self.end - self.start:
            raise ValueError(
                f"text has {len(self.text)} characters but end - start = {self.end - self.start}"
            )
        return self


class Document(Record):
    """One news article: a row of the `documents` table."""

    doc_id: str = Field(pattern=DOC_ID_PATTERN, description="Document id: the seed file name without .txt.")
    text: str = Field(min_length=1, description="The seed file decoded as UTF-8, otherwise unchanged.")
    title: str | None = Field(description="Text of the document's title segment, or null if it has none.")
    sha256: str = Field(pattern=SHA256_PATTERN, description="SHA-256 of the seed file's bytes (hex).")
    num_chars: int = Field(ge=1, description="Length of text in code points.")
    num_sentences: int = Field(ge=0, description="Number of segments in the sentences table.")


class Sentence(Span):
    """One gold segment: a line of seeds/annotations/sentences/*.jsonl and a row of `sentences`."""

    index: int = Field(ge=0, description="0-based position of the segment in its document.")
    role: Role = Field(description="Segment role: title, heading, body, list_item or boilerplate.")


class MentionAnnotation(Span):
    """One gold entity mention: a line of seeds/annotations/entities/*.jsonl."""

    label: EntityLabel = Field(description="OntoNotes 5 entity type.")
    kb_id: str | None = Field(
        pattern=KB_ID_PATTERN, description="Wikidata item of the referent, or null when not certain."
    )
    entity_id: str | None = Field(
        min_length=1,
        description="Cross-document referent id: kb_id, or a nil: slug; null for numeric/temporal types.",
    )


class LabelledSpan(Span):
    """A mention of one independent annotation (span and label only), used to measure agreement."""

    label: EntityLabel = Field(description="OntoNotes 5 entity type.")


class Evidence(Record):
    """Where a Wikidata Q-id was checked: a source a reader can open that pairs the Q-id with the referent.

    The source is located either by a URL or by a public GitHub repository and a file path in it
    (optionally pinned to a commit); at least one of the two is required, so no link rests on an
    identifier only the annotator could resolve.
    """

    source: str = Field(min_length=1, description="What the source is, in a few words (who made it and what it lists).")
    url: str | None = Field(
        default=None, pattern=URL_PATTERN, description="A web page a reader can open that shows the excerpt (http or https)."
    )
    repository: str | None = Field(
        default=None,
        pattern=REPOSITORY_PATTERN,
        description="A public GitHub repository, owner/name, that holds the file with the excerpt.",
    )
    path: str | None = Field(
        default=None, pattern=REPO_PATH_PATTERN, description="Path of that file inside the repository (needs repository)."
    )
    commit: str | None = Field(
        default=None,
        pattern=COMMIT_PATTERN,
        description="The 40-hex commit at which the file was read (optional; needs repository and path).",
    )
    excerpt: str = Field(min_length=1, description="The exact text of the source pairing the Q-id with the referent.")
    label: str = Field(min_length=1, description="The label the source gives the Q-id.")

    @model_validator(mode="after")
    def _can_be_opened(self) -> Evidence:
        if (self.repository is None) != (self.path is None):
            raise ValueError("repository and path go together: give both, or use url")
        if self.commit is not None and self.repository is None:
            raise ValueError("commit needs repository and path")
        if self.url is None and self.repository is None:
            raise ValueError("evidence needs a url or a repository and path a reader can open")
        return self

    def locator(self) -> str:
        """Where a reader opens the source: the URL, or a GitHub address of the file (at the commit if given)."""
        if self.url is not None:
            return self.url
        return f"https://github.com/{self.repository}/blob/{self.commit or 'HEAD'}/{self.path}"


class Referent(Record):
    """One line of seeds/annotations/entity_registry.jsonl: a referent, its entity_id and its link."""

    entity_id: str = Field(min_length=1, description="The referent's cross-document id: kb_id, or nil:<slug>.")
    name: str = Field(min_length=1, description="Canonical English name of the referent.")
    kb_id: str | None = Field(pattern=KB_ID_PATTERN, description="Verified Wikidata item, or null.")
    evidence: Evidence | None = Field(
        description="The evidence for kb_id: required (an object) when kb_id is set, null when it is not."
    )
    note: str | None = Field(
        default=None,
        min_length=1,
        description="Free text: for an unlinked referent, why it has no kb_id (e.g. no source a reader can open was found).",
    )

    @model_validator(mode="after")
    def _id_follows_link(self) -> Referent:
        if self.kb_id is not None and (self.entity_id != self.kb_id or self.evidence is None):
            raise ValueError("a linked referent needs entity_id == kb_id and evidence")
        if self.kb_id is None and not self.entity_id.startswith("nil:"):
            raise ValueError("an unlinked referent needs an entity_id of the form nil:<slug>")
        if self.kb_id is None and self.evidence is not None:
            raise ValueError("an unlinked referent takes no evidence (expected null)")
        return self


class Mention(MentionAnnotation):
    """A row of the `entities` table: an annotation plus its id and segment."""

    mention_id: str = Field(min_length=1, description="Stable mention id: <doc_id>:<start>-<end>.")
    sentence_index: int = Field(ge=0, description="Index of the segment that contains the mention.")


class NerRow(Record):
    """A row of the `ner` table: one segment, tokenized, with IOB2 tags."""

    doc_id: str = Field(pattern=DOC_ID_PATTERN, description="Document id.")
    sentence_index: int = Field(ge=0, description="Index of the segment in its document.")
    tokens: list[str] = Field(description="Tokens of the segment.")
    token_starts: list[int] = Field(description="Start offset of each token in the document text.")
    token_ends: list[int] = Field(description="End offset (exclusive) of each token in the document text.")
    ner_tags: list[str] = Field(description="IOB2 tag of each token over the 18 OntoNotes types.")


class DuplicateGroups(Record):
    """A row of the `duplicate_groups` table: one document's group at each level."""

    doc_id: str = Field(pattern=DOC_ID_PATTERN, description="Document id.")
    near_duplicate: str = Field(min_length=1, description="Group of documents derived from one source text.")
    event: str = Field(min_length=1, description="Group of documents reporting the same news event.")
    topic: str = Field(min_length=1, description="Group of documents on the same running story.")


class Pair(Record):
    """A row of the `pairs` table: an unordered document pair and its finest shared level."""

    doc_a: str = Field(pattern=DOC_ID_PATTERN, description="First document id (doc_a < doc_b).")
    doc_b: str = Field(pattern=DOC_ID_PATTERN, description="Second document id.")
    relation: Relation = Field(description="Finest level whose group the two documents share.")


class SegmentPair(Record):
    """Two gold segments of two different documents, identified by (doc_id, index), doc_a < doc_b."""

    doc_a: str = Field(pattern=DOC_ID_PATTERN, description="Document of the first segment (doc_a < doc_b).")
    index_a: int = Field(ge=0, description="Index of the first segment in doc_a (the sentences table's index).")
    doc_b: str = Field(pattern=DOC_ID_PATTERN, description="Document of the second segment.")
    index_b: int = Field(ge=0, description="Index of the second segment in doc_b.")


class Alignment(SegmentPair):
    """One gold cross-document link: a line of seeds/annotations/alignments.jsonl and a row of `alignments`."""

    relation: AlignmentRelation = Field(description="equivalent (a paraphrase) or partial (a shared core fact).")
    text_a: str = Field(min_length=1, description="Text of segment (doc_a, index_a); must equal it.")
    text_b: str = Field(min_length=1, description="Text of segment (doc_b, index_b); must equal it.")


class AlignmentJudgement(SegmentPair):
    """One link of an independent alignment annotation: seeds/annotations/alignment_agreement/<annotator>.jsonl."""

    relation: AlignmentRelation = Field(description="equivalent (a paraphrase) or partial (a shared core fact).")
    text_a: str | None = Field(default=None, min_length=1, description="Optional: text of segment (doc_a, index_a).")
    text_b: str | None = Field(default=None, min_length=1, description="Optional: text of segment (doc_b, index_b).")
    note: str | None = Field(default=None, description="Optional free comment of the annotator.")


class SentencePair(SegmentPair):
    """A row of `sentence_pairs`: one cross-document segment pair with its label and both texts."""

    label: PairLabel = Field(description="equivalent, partial, or unrelated (no gold link).")
    sentence1: str = Field(min_length=1, description="Text of segment (doc_a, index_a).")
    sentence2: str = Field(min_length=1, description="Text of segment (doc_b, index_b).")
class SentenceEmbedding(Record):
    """A row of the optional `sentence_embeddings` table of a silver build: one segment's embedding vector."""

    doc_id: str = Field(pattern=DOC_ID_PATTERN, description="Document id.")
    index: int = Field(ge=0, description="Index of the segment in its document (the sentences table's index).")
    embedding: list[float] = Field(
        min_length=1, description="Unit-length float32 sentence embedding of the segment text (the model is named in the card)."
    )


class CandidatePair(Pair):
    """A row of the `pairs` table of a silver build: a scored candidate pair, not every pair."""

    jaccard: float = Field(ge=0, le=1, allow_inf_nan=False, description="Exact Jaccard of the two documents' content-word sets.")
    tfidf_cosine: float = Field(
        ge=-1e-6, le=1 + 1e-6, allow_inf_nan=False, description="Cosine of the two documents' TF-IDF vectors (word 1+2-grams)."
    )
