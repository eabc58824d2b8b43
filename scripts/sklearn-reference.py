#!/usr/bin/env python3
"""Reference values for the unit test `features_and_converged_svm_equal_scikit_learns`
(src/screen/rank/tests.rs): scikit-learn's TF-IDF and LinearSVC as ASReview's ELAS u4
configures them, with ASReview's balanced sample weights (ratio 9.8), on
fourteen titles written for that test
(tests/fixtures/screening/sklearn-titles.txt). Usage (scikit-learn comes with ASReview):
  python3 -m venv /tmp/asr && /tmp/asr/bin/pip install asreview
  /tmp/asr/bin/python3 scripts/sklearn-reference.py
"""
import os
import numpy as np, sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
titles = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "screening", "sklearn-titles.txt")
texts = [line.rstrip("\n") for line in open(titles, encoding="utf-8")]
labels = [1, 1, 1, None, 0, 0, None, 1, 0, 0, 0, None, 0, None]
v = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, max_df=0.95)
X = v.fit_transform(texts)
df = np.asarray((X > 0).sum(axis=0)).ravel()
print("// sklearn", sklearn.__version__, "features", X.shape[1], "shared", int((df >= 2).sum()))
for i in range(len(texts)):
    row = X.getrow(i)
    sh = sorted(float(w) for j, w in zip(row.indices, row.data) if df[j] >= 2)
    own = [float(w) for j, w in zip(row.indices, row.data) if df[j] < 2]
    print(f"({[round(x, 9) for x in sh]}, {sum(own):.9f}, {sum(x*x for x in own):.9f}),")
idx = [i for i, l in enumerate(labels) if l is not None]
y = np.array([labels[i] for i in idx])
ratio = 9.8
w = np.where(y == 1, 1.0, (y == 1).sum() / (ratio * (y == 0).sum()))
w = w * (len(y) / w.sum())
m = LinearSVC(C=0.11, loss="squared_hinge", tol=1e-10, max_iter=1000000, dual=True)
m.fit(X[idx], y, sample_weight=w)
print("labelled", idx)
print("decision", [round(float(x), 9) for x in m.decision_function(X)])
