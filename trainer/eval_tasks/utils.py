"""Helpers that kprep's KoBEST-format lm-eval tasks name with ``!function``."""


def macro_f1(items):
    """Macro-averaged F1 of (gold, prediction) pairs: the F1 Polyglot-Ko's model card reports."""
    from sklearn.metrics import f1_score

    golds, predictions = zip(*items, strict=True)
    return f1_score(golds, predictions, average="macro")


def hellaswag_docs(dataset):
    """KoBEST HellaSwag rows with their four endings as one list of choices."""
    return dataset.map(
        lambda doc: {
            "choices": [doc["ending_1"], doc["ending_2"], doc["ending_3"], doc["ending_4"]]
        }
    )
