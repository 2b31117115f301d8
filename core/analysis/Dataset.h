#pragma once
// Corpora for dataset profiles (core/analysis/Profile.h): the inputs a model is run over,
// with optional integer labels. Readers (all throw strata::Error naming the file, and the
// line for text formats):
//  - text lines (.txt or anything else that is a file): one input per line; empty lines are
//    skipped; a trailing '\r' is removed;                                      format "text"
//  - JSON Lines (.jsonl): one object per line with a string "text" and an optional integer
//    "label" (all lines or none); empty lines are skipped;                     format "jsonl"
//  - IDX (LeCun's MNIST format, as Fashion-MNIST ships it): big-endian magic 0x00000803 with
//    dims N, rows, cols for images (unsigned bytes), 0x00000801 with N for labels. Labels are
//    read from CorpusOptions::labelsPath or, when empty, from the sibling file whose name has
//    "images-idx3" replaced by "labels-idx1" if it exists. Either file may be gzip-compressed
//    (*.gz, as Debian's dataset-fashion-mnist ships them; read through zlib); format "idx"
//  - a folder of images (.png, .jpg, .jpeg, case-insensitive), sorted by file name; no
//    labels;                                                                    format "images"
// Error codes: corpus.not_found, corpus.read_failed, corpus.empty, corpus.bad_line (JSONL),
// corpus.bad_idx (also corrupt gzip data), corpus.compressed (a .gz that is not IDX).
// Pure functions; safe from any thread.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/image/Image.h"

namespace strata {

struct CorpusOptions {
  std::size_t limit = 0;   ///< keep only the first `limit` inputs; 0 = all
  std::string labelsPath;  ///< IDX: labels file (else the sibling labels file, if any)
};

struct Corpus {
  std::string source;                   ///< the path read
  std::string format;                   ///< "text", "jsonl", "idx", "images"
  std::vector<std::string> texts;       ///< text corpora
  std::vector<std::string> imagePaths;  ///< image folders
  std::vector<Image> images;            ///< IDX (grey replicated to RGB)
  std::vector<std::int64_t> labels;     ///< empty, or one per input
  std::size_t totalAvailable = 0;       ///< inputs in the source before `limit`

  std::size_t size() const { return texts.size() + imagePaths.size() + images.size(); }
  bool isText() const { return format == "text" || format == "jsonl"; }
};

Corpus readTextLines(const std::string& path, const CorpusOptions& options = {});
Corpus readJsonl(const std::string& path, const CorpusOptions& options = {});
Corpus readIdx(const std::string& imagesPath, const CorpusOptions& options = {});
Corpus readImageFolder(const std::string& folder, const CorpusOptions& options = {});
/// Dispatches on the path: a folder -> images; *.jsonl -> JSONL; a file starting with the
/// IDX image magic (or a name containing "idx3", also *.gz) -> IDX; other *.gz -> refused
/// (corpus.compressed); else text lines.
Corpus readCorpus(const std::string& path, const CorpusOptions& options = {});

}  // namespace strata
