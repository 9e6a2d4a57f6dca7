from transforms.dedupe import pick_exact_keeper, text_key
from transforms.records import make_document


def test_smallest_id_is_kept_and_counts_its_cluster():
    docs = [make_document(i, "같은 글", "s") for i in ("b", "a", "c")]
    keeper, rejected = pick_exact_keeper(docs)
    assert keeper["id"] == "a" and keeper["cluster_size"] == 3
    assert [(r["id"], r["duplicate_of"], r["reason"]) for r in rejected] == [
        ("b", "a", "exact"),
        ("c", "a", "exact"),
    ]


def test_key_depends_on_the_text_only():
    assert text_key("가나다") == text_key("가나다") != text_key("가나다 ")
