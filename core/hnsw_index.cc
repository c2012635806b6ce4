#include "core/hnsw_index.h"

// hnswlib 0.6.2's searchBaseLayer reads one link past a full link list, up to 4 bytes beyond its
// malloc'd block, for the address of its next prefetch (nmslib/hnswlib#107 and #578, not fixed
// upstream). The value only picks what to prefetch, but AddressSanitizer rightly reports the read:
// a sanitized build drops hnswlib's prefetches (hints, with no effect on results), so that it
// checks the same graph code and distances as the others.
#if defined(__SANITIZE_ADDRESS__) && defined(__SSE__)
#include <x86intrin.h>
#define _mm_prefetch(address, hint) static_cast<void>(0)
#endif
// hnswlib 0.6.2 defines functions in its headers: this is the one file that includes them.
#include <hnswlib.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unordered_set>

#include "core/parallel.h"

namespace songvec {
namespace {

// hnswlib 0.6.2 saves and loads through files only: a private temporary file, removed on scope
// exit.
class TemporaryFile {
 public:
  TemporaryFile() {
    std::string pattern = (std::filesystem::temp_directory_path() / "songvec_hnsw_XXXXXX").string();
    const int fd = mkstemp(pattern.data());
    if (fd >= 0) {
      close(fd);
      path_ = pattern;
    }
  }
  ~TemporaryFile() {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  // Empty if no file could be made.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Reads a T at `at` of `bytes`, advancing `at`; false past the end.
template <typename T>
bool ReadAt(std::span<const std::byte> bytes, size_t& at, T& value) {
  if (at > bytes.size() || bytes.size() - at < sizeof(T)) return false;
  std::memcpy(&value, bytes.data() + at, sizeof(T));
  at += sizeof(T);
  return true;
}

// Checks that `bytes` is a graph hnswlib 0.6.2 saved over exactly the rows of `flat` (each once,
// labelled with its row, its vector bit for bit), with every link to a row that exists: hnswlib's
// loader trusts what it reads, and a damaged graph must be refused, never searched. The layout is
// saveIndex's.
Status ValidateGraph(std::span<const std::byte> bytes, const FlatIndex& flat) {
  using Tableint = hnswlib::tableint;
  const auto damaged = [](const std::string& what) {
    return Status::Corruption("the similar graph is damaged: " + what);
  };
  size_t at = 0;
  size_t offset_level0 = 0, max_elements = 0, count = 0, size_per_element = 0, label_offset = 0,
         offset_data = 0, max_links = 0, max_links0 = 0, links = 0, ef_construction = 0;
  int max_level = 0;
  Tableint entry = 0;
  double mult = 0;
  if (!ReadAt(bytes, at, offset_level0) || !ReadAt(bytes, at, max_elements) ||
      !ReadAt(bytes, at, count) || !ReadAt(bytes, at, size_per_element) ||
      !ReadAt(bytes, at, label_offset) || !ReadAt(bytes, at, offset_data) ||
      !ReadAt(bytes, at, max_level) || !ReadAt(bytes, at, entry) || !ReadAt(bytes, at, max_links) ||
      !ReadAt(bytes, at, max_links0) || !ReadAt(bytes, at, links) || !ReadAt(bytes, at, mult) ||
      !ReadAt(bytes, at, ef_construction)) {
    return damaged("its header is cut short");
  }
  const size_t rows = flat.size();
  if (count != rows) {
    return Status::Corruption("the similar graph holds " + std::to_string(count) +
                              " rows, the model " + std::to_string(rows));
  }
  const size_t data_size = static_cast<size_t>(flat.dim()) * sizeof(float);
  const size_t links0_size = max_links0 * sizeof(Tableint) + sizeof(hnswlib::linklistsizeint);
  if (links < 2 || links > 1024 || max_links != links || max_links0 != 2 * links ||
      offset_level0 != 0 || offset_data != links0_size || label_offset != links0_size + data_size ||
      size_per_element != label_offset + sizeof(hnswlib::labeltype) || max_level < 0 ||
      max_level > 64 || (rows > 0 && entry >= rows) || max_elements < count) {
    return damaged("its header does not describe a graph of " + std::to_string(flat.dim()) +
                   "-dimensional rows");
  }
  // A link list: a count (the low 16 bits; a deletion mark would be above them) and the links.
  const auto valid_list = [&](size_t list, size_t most) {
    hnswlib::linklistsizeint header;
    std::memcpy(&header, bytes.data() + list, sizeof(header));
    if (header > most) return false;
    for (size_t l = 0; l < header; ++l) {
      Tableint to;
      std::memcpy(&to, bytes.data() + list + sizeof(header) + l * sizeof(Tableint), sizeof(to));
      if (to >= rows) return false;
    }
    return true;
  };
  if (bytes.size() - at < rows * size_per_element) return damaged("its rows are cut short");
  std::vector<bool> labelled(rows);  // each of the model's rows is in the graph once
  for (size_t r = 0; r < rows; ++r) {
    const size_t element = at + r * size_per_element;
    hnswlib::labeltype label;
    std::memcpy(&label, bytes.data() + element + label_offset, sizeof(label));
    if (label >= rows || labelled[label] || !valid_list(element, max_links0)) {
      return damaged("row " + std::to_string(r) + " has a wrong label or link");
    }
    labelled[label] = true;
    const std::span<const float> row = flat.row(static_cast<int32_t>(label));
    if (std::memcmp(bytes.data() + element + offset_data, row.data(), data_size) != 0) {
      return damaged("row " + std::to_string(r) + " is not the model's");
    }
  }
  at += rows * size_per_element;
  const size_t upper_size = max_links * sizeof(Tableint) + sizeof(hnswlib::linklistsizeint);
  for (size_t r = 0; r < rows; ++r) {
    unsigned int size = 0;
    if (!ReadAt(bytes, at, size)) return damaged("its upper levels are cut short");
    const size_t levels = size / upper_size;
    if (size % upper_size != 0 || levels > static_cast<size_t>(max_level) ||
        bytes.size() - at < size || (r == entry && levels != static_cast<size_t>(max_level))) {
      return damaged("row " + std::to_string(r) + " has wrong upper levels");
    }
    for (size_t level = 0; level < levels; ++level) {
      if (!valid_list(at + level * upper_size, max_links)) {
        return damaged("row " + std::to_string(r) + " has a wrong link");
      }
    }
    at += size;
  }
  if (at != bytes.size()) return damaged("it has bytes after its last row");
  return Status();
}

}  // namespace

HnswIndex::HnswIndex(std::shared_ptr<const FlatIndex> flat)
    : flat_(std::move(flat)),
      space_(std::make_unique<hnswlib::InnerProductSpace>(static_cast<size_t>(flat_->dim()))) {
  assert(flat_->similarity() == Similarity::kCosine);
}

HnswIndex::HnswIndex(std::shared_ptr<const FlatIndex> flat, const Options& options)
    : HnswIndex(std::move(flat)) {
  graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(
      space_.get(), std::max<size_t>(size(), 1), options.links, options.build_candidates);
  graph_->setEf(options.search_candidates);
  // hnswlib links rows in concurrently (a lock per row); the first row goes in alone, as its
  // entry point.
  if (size() > 0) graph_->addPoint(flat_->row(0).data(), 0);
  ParallelFor(1, size(), options.threads, [&](size_t row) {
    graph_->addPoint(flat_->row(static_cast<int32_t>(row)).data(), row);
  });
}

Result<std::unique_ptr<HnswIndex>> HnswIndex::Load(std::shared_ptr<const FlatIndex> flat,
                                                   std::span<const std::byte> graph,
                                                   size_t search_candidates) {
  if (Status valid = ValidateGraph(graph, *flat); !valid.ok()) return valid;
  const size_t rows = flat->size();
  std::unique_ptr<HnswIndex> index(new HnswIndex(std::move(flat)));
  const TemporaryFile file;
  if (file.path().empty()) {
    return Status::Corruption("cannot make a temporary file to read the similar graph through");
  }
  {
    std::ofstream out(file.path(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(graph.data()),
              static_cast<std::streamsize>(graph.size()));
    if (!out) return Status::Corruption("cannot write the similar graph to " + file.path());
  }
  // hnswlib's loader leaves its members unset until it has read them, so a graph it gives up on
  // half-read (only when memory runs out, the bytes being checked) cannot be destroyed: it is let
  // go of instead.
  auto graph_index = std::make_unique<hnswlib::HierarchicalNSW<float>>(index->space_.get());
  try {
    graph_index->loadIndex(file.path(), index->space_.get(), rows);
  } catch (const std::exception& e) {
    (void)graph_index.release();
    return Status::Corruption(std::string("cannot load the similar graph: ") + e.what());
  }
  index->graph_ = std::move(graph_index);
  index->graph_->setEf(search_candidates);
  return index;
}

HnswIndex::~HnswIndex() = default;

Result<std::string> HnswIndex::Serialize() const {
  const TemporaryFile file;
  if (file.path().empty()) {
    return Status::IoError("cannot make a temporary file to write the similar graph through");
  }
  graph_->saveIndex(file.path());
  std::ifstream in(file.path(), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) return Status::IoError("cannot read back " + file.path());
  return bytes;
}

std::vector<Neighbor> HnswIndex::Search(std::span<const float> query, size_t k,
                                        const RowFilter& exclude,
                                        std::span<const Neighbor> extra) const {
  assert(extra.empty());
  (void)extra;
  if (k == 0 || size() == 0) return {};
  const FlatIndex::Query prepared = flat_->Prepare(query);
  // The graph holds unit rows and compares by inner product, so the query goes in at unit length.
  std::vector<float> unit(query.begin(), query.end());
  for (float& x : unit) x *= prepared.factor;
  std::vector<Neighbor> found;
  // The graph keeps its ef best candidates however few are asked for: all of them are scored again,
  // so that rows whose scores the graph's arithmetic and the FlatIndex's round apart (trained
  // vectors' neighbours often differ in the fifth decimal) are ranked by the FlatIndex's.
  const size_t least = std::max(k, graph_->ef_);
  for (size_t asked = std::min(least, size());; asked = std::min(2 * asked, size())) {
    if (asked > kMaxGraphResults) return flat_->Search(query, k, exclude);
    auto results = graph_->searchKnn(unit.data(), asked);
    const bool everything = results.size() >= size();
    found.clear();
    while (!results.empty()) {
      const auto row = static_cast<int32_t>(results.top().second);
      results.pop();
      if (exclude && exclude(row)) continue;
      found.push_back({row, flat_->Score(prepared, row)});
    }
    if (found.size() >= k || everything || asked == size()) break;
  }
  std::sort(found.begin(), found.end(), RanksBefore);
  if (found.size() > k) found.resize(k);
  return found;
}

double HnswIndex::Recall(size_t k, std::span<const int32_t> queries) const {
  if (queries.empty()) return 1.0;
  double recall = 0;
  for (const int32_t source : queries) {
    const std::span<const float> row = flat_->row(source);
    auto excluded = [source](int32_t r) { return r == source; };
    const std::vector<Neighbor> exact = flat_->Search(row, k, excluded);
    std::unordered_set<int32_t> found;
    for (const Neighbor& n : Search(row, k, excluded)) found.insert(n.row);
    size_t hits = 0;
    for (const Neighbor& n : exact) hits += found.count(n.row);
    recall += exact.empty() ? 1.0 : static_cast<double>(hits) / static_cast<double>(exact.size());
  }
  return recall / static_cast<double>(queries.size());
}

}  // namespace songvec
