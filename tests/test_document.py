import json

import pyarrow.parquet as pq
import pytest

from obelics.document import Document, DocumentError, Node, image_metadata
from obelics.io.parquet import DocumentWriter, read_documents, write_documents


def make_doc() -> Document:
    return Document.from_nodes(
        [
            Node(text="Intro paragraph."),
            Node(text="Second paragraph."),
            Node(image="http://x.org/a.jpg", meta=image_metadata("http://x.org/a.jpg", alt_text="a")),
            Node(text="After the image."),
            Node(image="http://x.org/b.png", meta=image_metadata("http://x.org/b.png")),
        ],
        {"url": "http://x.org/page", "warc_filename": "w.warc.gz", "warc_record_offset": 10, "warc_record_length": 99},
    )


def test_from_nodes_merges_adjacent_texts():
    d = make_doc().validate()
    assert d.texts == ["Intro paragraph.\n\nSecond paragraph.", None, "After the image.", None]
    assert d.images == [None, "http://x.org/a.jpg", None, "http://x.org/b.png"]
    assert d.num_images == 2
    assert d.paragraphs() == ["Intro paragraph.", "Second paragraph.", "After the image."]


def test_filter_images_merges_texts_that_become_adjacent():
    d = make_doc().filter_images(lambda n: n.image.endswith(".png")).validate()
    assert d.texts == ["Intro paragraph.\n\nSecond paragraph.\n\nAfter the image.", None]
    assert d.images == [None, "http://x.org/b.png"]


@pytest.mark.parametrize(
    "texts,images,meta,msg",
    [
        (["a"], [None, "u"], [None, {}], "same length"),
        (["a"], ["u"], [None], "exactly one"),
        ([None], [None], [None], "exactly one"),
        (["a", "b"], [None, None], [None, None], "adjacent"),
        ([""], [None], [None], "non-empty"),
        (["a"], [None], [{}], "null at a text"),
        ([None], [""], [{}], "non-empty URL"),
    ],
)
def test_validation_rejects_malformed(texts, images, meta, msg):
    with pytest.raises(DocumentError, match=msg):
        Document(texts, images, meta, {"url": "u"}).validate()


def test_row_round_trip_uses_json_strings():
    d = make_doc()
    row = d.to_row()
    assert isinstance(row["metadata"], str) and isinstance(row["general_metadata"], str)
    assert json.loads(row["general_metadata"])["warc_record_offset"] == 10
    assert Document.from_row(row) == d


def test_parquet_round_trip_keeps_extra_columns_and_bytes(tmp_path):
    d = make_doc()
    d.image_bytes = [None, b"\xff\xd8jpeg", None, b"\x89PNG"]
    d.extra = {"extra_note": "keep me"}
    path = tmp_path / "s.parquet"
    assert write_documents(path, [d, make_doc()], row_group_size=1) == 2
    back = list(read_documents(str(path)))
    assert back[0] == d
    assert back[1].image_bytes is None and back[1].texts == d.texts
    assert pq.ParquetFile(path).metadata.num_row_groups == 2


def test_writer_is_atomic(tmp_path):
    path = tmp_path / "s.parquet"
    with pytest.raises(RuntimeError):
        with DocumentWriter(path) as w:
            w.write(make_doc())
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
