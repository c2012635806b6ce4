#include "core/trainer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <vector>

#include "core/negative_sampler.h"
#include "core/parallel.h"
#include "core/random.h"
#include "core/sgns_kernels.h"

namespace songvec {
namespace {

// Playlists handed out to threads in chunks of about this many tokens: big enough that taking one
// is rare, small enough that two threads finish an epoch together.
constexpr size_t kChunkTokens = 10000;

// Everything the workers share. Rows of the matrices are updated without locks (Hogwild, Recht et
// al. 2011): collisions are rare and harmless for SGD on sparse updates.
struct Shared {
  const Corpus& corpus;
  const TrainOptions& options;
  const NegativeSampler& sampler;
  const std::vector<uint32_t>& keep_thresholds;
  SgnsModel model;
  const SgnsKernels& kernels;
  std::vector<size_t> chunk_starts;  // playlist index where each chunk begins, plus the end
  int64_t total_tokens;              // corpus tokens * epochs
  std::atomic<size_t> next_chunk{0};
  std::atomic<int64_t> tokens_done{0};
  // The epoch in which a playlist's loss first came out NaN or infinite (0: none yet): the run
  // has diverged, and every thread stops.
  std::atomic<int> diverged_epoch{0};
};

// Per-thread counters for progress, padded to their own cache line so threads never share one.
struct alignas(64) ThreadCounters {
  std::atomic<double> loss{0};
  std::atomic<int64_t> examples{0};
  std::atomic<int> epoch{1};
};

// A worker: takes chunks of playlists until every epoch is done. Its SgnsScratch holds all it
// needs, so the hot loop allocates nothing and takes no lock (fastText's Model::State).
class Worker {
 public:
  Worker(Shared& shared, ThreadCounters& counters, int thread_index)
      : s_(shared),
        counters_(counters),
        scratch_(shared.model, shared.options.seed + static_cast<uint64_t>(thread_index)) {}

  void Run() {
    const size_t chunks = s_.chunk_starts.size() - 1;
    const size_t total = chunks * static_cast<size_t>(s_.options.epochs);
    for (size_t c = s_.next_chunk.fetch_add(1); c < total && !Diverged();
         c = s_.next_chunk.fetch_add(1)) {
      const int epoch = static_cast<int>(c / chunks) + 1;
      counters_.epoch.store(epoch, std::memory_order_relaxed);
      const size_t chunk = c % chunks;
      for (size_t p = s_.chunk_starts[chunk]; p < s_.chunk_starts[chunk + 1] && !Diverged(); ++p) {
        TrainPlaylist(s_.corpus.playlist(p), epoch);
      }
    }
  }

 private:
  bool Diverged() const { return s_.diverged_epoch.load(std::memory_order_relaxed) != 0; }

  void TrainPlaylist(std::span<const int32_t> playlist, int epoch) {
    // The learning rate decays linearly with the tokens all threads have processed.
    const int64_t done = s_.tokens_done.load(std::memory_order_relaxed);
    const double progress = static_cast<double>(done) / static_cast<double>(s_.total_tokens);
    const auto alpha = static_cast<float>(
        s_.options.alpha - (s_.options.alpha - s_.options.min_alpha) * std::min(1.0, progress));
    sentence_.clear();
    const bool subsample = s_.options.sample > 0;
    for (int32_t row : playlist) {
      if (!subsample || scratch_.rng.Next() <= s_.keep_thresholds[row]) sentence_.push_back(row);
    }
    scratch_.loss = 0;
    scratch_.examples = 0;
    const SgnsKernel kernel = s_.options.architecture == Architecture::kCbow ? s_.kernels.cbow
                              : s_.options.shared_negatives ? s_.kernels.skip_gram_windows
                                                            : s_.kernels.skip_gram_pairs;
    kernel(sentence_, alpha, s_.model, scratch_);
    // A NaN or infinite loss means some vector has blown up (the learning rate is too high for
    // this data): all that follows would be NaN, so the run stops here.
    if (!std::isfinite(scratch_.loss)) {
      int none = 0;
      s_.diverged_epoch.compare_exchange_strong(none, epoch);
    }
    s_.tokens_done.fetch_add(static_cast<int64_t>(playlist.size()), std::memory_order_relaxed);
    // Only this thread writes its counters; the reporting thread reads them.
    counters_.loss.store(counters_.loss.load(std::memory_order_relaxed) + scratch_.loss,
                         std::memory_order_relaxed);
    counters_.examples.store(counters_.examples.load(std::memory_order_relaxed) + scratch_.examples,
                             std::memory_order_relaxed);
  }

  Shared& s_;
  ThreadCounters& counters_;
  SgnsScratch scratch_;
  std::vector<int32_t> sentence_;
};

// A zero-filled float array aligned to a cache line.
class AlignedFloats {
 public:
  explicit AlignedFloats(size_t size)
      : data_(static_cast<float*>(std::aligned_alloc(64, (size * sizeof(float) + 63) / 64 * 64))) {
    if (data_ == nullptr) throw std::bad_alloc();
    std::fill_n(data_.get(), size, 0.0f);
  }
  float* data() { return data_.get(); }
  float& operator[](size_t i) { return data_.get()[i]; }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float[], Free> data_;
};

// Playlist indices where chunks of about kChunkTokens tokens begin, plus the end.
std::vector<size_t> ChunkStarts(const Corpus& corpus) {
  std::vector<size_t> starts = {0};
  size_t tokens = 0;
  for (size_t p = 0; p < corpus.num_playlists(); ++p) {
    tokens += corpus.playlist(p).size();
    if (tokens >= kChunkTokens) {
      starts.push_back(p + 1);
      tokens = 0;
    }
  }
  if (starts.back() != corpus.num_playlists()) starts.push_back(corpus.num_playlists());
  return starts;
}

// What a diverged run says: where, what showed it, and what to change.
Status DivergedError(int epoch, const char* symptom, double alpha) {
  char text[160];
  std::snprintf(text, sizeof(text), "training diverged at epoch %d (%s): lower --alpha (now %g)",
                epoch, symptom, alpha);
  return Status::InvalidArgument(text);
}

}  // namespace

const char* ArchitectureName(Architecture architecture) {
  return architecture == Architecture::kSkipGram ? "skipgram" : "cbow";
}

Result<Architecture> ParseArchitecture(const std::string& name) {
  if (name == "skipgram") return Architecture::kSkipGram;
  if (name == "cbow") return Architecture::kCbow;
  return Status::InvalidArgument("unknown model '" + name + "' (expected skipgram or cbow)");
}

Status TrainOptions::Validate() const {
  auto out_of_range = [](const char* flag, const std::string& range) {
    return Status::InvalidArgument(std::string(flag) + " must be " + range);
  };
  if (dim < 1 || dim > 4096) return out_of_range("--dim", "between 1 and 4096");
  if (window < 1 || window > 1000) return out_of_range("--window", "between 1 and 1000");
  if (negative < 1 || negative > 1000) return out_of_range("--negative", "between 1 and 1000");
  if (!std::isfinite(ns_exponent) || std::abs(ns_exponent) > 10) {
    return out_of_range("--ns-exponent", "a number between -10 and 10");
  }
  if (!(sample >= 0 && sample < 1)) return out_of_range("--sample", "at least 0 and below 1");
  if (min_count < 1) return out_of_range("--min-count", "at least 1");
  if (epochs < 1 || epochs > 10000) return out_of_range("--epochs", "between 1 and 10000");
  if (!(alpha > 0 && alpha <= 1)) return out_of_range("--alpha", "above 0 and at most 1");
  if (!(min_alpha >= 0 && min_alpha <= alpha)) {
    return out_of_range("--min-alpha", "between 0 and --alpha");
  }
  if (threads < 1 || threads > 1024) return out_of_range("--threads", "between 1 and 1024");
  const std::span<const Isa> supported = SupportedIsas();
  if (std::find(supported.begin(), supported.end(), isa) == supported.end()) {
    return Status::InvalidArgument(std::string("this CPU or build cannot run SIMD level ") +
                                   IsaName(isa));
  }
  return Status();
}

Result<Embeddings> Train(const Corpus& corpus, const Vocabulary& vocabulary,
                         const TrainOptions& options, const ProgressCallback& progress,
                         double progress_interval_seconds, TrainSummary* summary) {
  SONGVEC_RETURN_IF_ERROR(options.Validate());
  if (corpus.num_playlists() == 0 || vocabulary.size() == 0) {
    return Status::InvalidArgument(
        "no playlist has two songs in the vocabulary: nothing to learn from (check --min-count and "
        "the playlist file)");
  }
  const auto start = std::chrono::steady_clock::now();
  const int dim = options.dim;
  // The matrices as the kernels want them: rows padded to whole blocks of kLanes floats and aligned
  // to cache lines (a row of 16 floats is one line), the padding zero.
  const int stride = (dim + kLanes - 1) / kLanes * kLanes;
  const size_t rows = vocabulary.size();
  AlignedFloats input(rows * stride), output(rows * stride);
  Random init(options.seed);
  for (size_t r = 0; r < rows; ++r) {
    for (int c = 0; c < dim; ++c) {
      input[r * stride + c] = (init.UniformFloat() - 0.5f) / static_cast<float>(dim);
    }
  }

  const NegativeSampler sampler(vocabulary.counts(), options.ns_exponent);
  const std::vector<uint32_t> keep_thresholds = vocabulary.KeepThresholds(options.sample);
  Shared shared{corpus,
                options,
                sampler,
                keep_thresholds,
                {input.data(), output.data(), stride, options.window, options.negative, &sampler},
                SgnsKernelsFor(options.isa),
                ChunkStarts(corpus),
                static_cast<int64_t>(corpus.tokens.size()) * options.epochs};

  std::vector<ThreadCounters> counters(options.threads);
  double last_loss = 0;
  int64_t last_examples = 0;
  std::optional<double> mean_loss;  // over the examples of the last interval that had any
  auto report = [&](bool final) {
    TrainProgress p;
    p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    p.tokens = final ? shared.total_tokens : shared.tokens_done.load();
    p.fraction = static_cast<double>(p.tokens) / static_cast<double>(shared.total_tokens);
    p.epoch = options.epochs;
    double loss = 0;
    int64_t examples = 0;
    for (const ThreadCounters& c : counters) {
      p.epoch = std::min(p.epoch, c.epoch.load());
      loss += c.loss.load();
      examples += c.examples.load();
    }
    p.tokens_per_second = p.seconds > 0 ? static_cast<double>(p.tokens) / p.seconds : 0;
    p.alpha = options.alpha - (options.alpha - options.min_alpha) * p.fraction;
    if (examples > last_examples) {
      mean_loss = (loss - last_loss) / static_cast<double>(examples - last_examples);
      last_loss = loss;
      last_examples = examples;
    }
    p.loss = mean_loss;
    p.eta_seconds = p.tokens_per_second > 0
                        ? static_cast<double>(shared.total_tokens - p.tokens) / p.tokens_per_second
                        : 0;
    if (progress) progress(p);
    return p;
  };

  try {
    RunOnThreads(
        options.threads, [&](int t) { Worker(shared, counters[t], t).Run(); },
        [&] { report(false); }, progress_interval_seconds);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("training thread failed: ") + e.what());
  } catch (...) {
    return Status::Internal("training thread failed with an unknown exception");
  }
  if (shared.diverged_epoch > 0) {
    return DivergedError(shared.diverged_epoch, "the loss is no longer finite", options.alpha);
  }
  TrainProgress last = report(true);
  Embeddings embeddings{vocabulary, Matrix(rows, dim), Matrix(rows, dim)};
  for (size_t r = 0; r < rows; ++r) {
    std::copy_n(&input[r * stride], dim, embeddings.input.row(static_cast<Eigen::Index>(r)).data());
    std::copy_n(&output[r * stride], dim,
                embeddings.output.row(static_cast<Eigen::Index>(r)).data());
  }
  // The last playlists' updates are scored by no loss: a vector they blew up shows only here.
  if (!embeddings.input.allFinite() || !embeddings.output.allFinite()) {
    return DivergedError(options.epochs, "a vector is not finite", options.alpha);
  }
  if (summary != nullptr) {
    summary->tokens = last.tokens;
    summary->seconds = last.seconds;
    summary->tokens_per_second = last.tokens_per_second;
    summary->loss = last.loss;
  }
  return embeddings;
}

}  // namespace songvec
