#!/usr/bin/python3
"""Trains gensim's Word2Vec on a yes.com-format playlist file and writes word2vec text vectors,
so that songvec-train eval --vectors scores gensim by the same code as songvec.

Usage: gensim_train.py PLAYLISTS OUT.vec [--sg 1] [--dim 32] [--window 20] [--negative 50]
       [--epochs 5] [--sample 1e-3] [--alpha 0.025] [--min-alpha 0.0001] [--ns-exponent 0.75]
       [--min-count 1] [--threads 2] [--seed 1]
Defaults are EVALUATION.md's reference settings (skip-gram). Prints the training seconds and the
corpus tokens per second on the last line as JSON.
"""
import argparse
import json
import time

from gensim.models import Word2Vec


def read_yes(path):
    with open(path) as f:
        f.readline()  # the songs' external ids
        f.readline()  # their appearance counts
        playlists = [line.split() for line in f]
    return [p for p in playlists if len(p) >= 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("playlists")
    parser.add_argument("out")
    parser.add_argument("--sg", type=int, default=1)
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--window", type=int, default=20)
    parser.add_argument("--negative", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--sample", type=float, default=1e-3)
    parser.add_argument("--alpha", type=float, default=0.025)
    parser.add_argument("--min-alpha", type=float, default=0.0001)
    parser.add_argument("--ns-exponent", type=float, default=0.75)
    parser.add_argument("--min-count", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    playlists = read_yes(args.playlists)
    tokens = sum(len(p) for p in playlists)
    start = time.perf_counter()
    model = Word2Vec(playlists, sg=args.sg, vector_size=args.dim, window=args.window,
                     negative=args.negative, epochs=args.epochs, sample=args.sample,
                     alpha=args.alpha, min_alpha=args.min_alpha, ns_exponent=args.ns_exponent,
                     min_count=args.min_count, workers=args.threads, seed=args.seed)
    seconds = time.perf_counter() - start
    model.wv.save_word2vec_format(args.out)
    print(json.dumps({"tool": "gensim", "seconds": seconds,
                      "tokens_per_second": tokens * args.epochs / seconds}))


if __name__ == "__main__":
    main()
