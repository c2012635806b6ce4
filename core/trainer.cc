#include "core/trainer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "core/negative_sampler.h"
#include "core/random.h"

namespace songvec {
namespace {

// sigmoid(x) and log(sigmoid(x)) tabulated on [-kMaxExp, kMaxExp] as in word2vec.c; beyond it the
// gradient is taken as saturated (sigmoid 0 or 1).
constexpr float kMaxExp = 6.0f;
constexpr int kTableSize = 1024;
constexpr float kTableScale = kTableSize / (2 * kMaxExp);

struct SigmoidTables {
  float sigmoid[kTableSize];
  float log_sigmoid[kTableSize];
  SigmoidTables() {
    for (int i = 0; i < kTableSize; ++i) {
      // Bin centres, so the error is half a bin either way.
      double x = (i + 0.5) / kTableScale - kMaxExp;
      sigmoid[i] = static_cast<float>(1.0 / (1.0 + std::exp(-x)));
      log_sigmoid[i] = static_cast<float>(-std::log1p(std::exp(-x)));
    }
  }
  static int Bin(float x) { return static_cast<int>((x + kMaxExp) * kTableScale); }
  // log(sigmoid(x)) for any x: beyond the table log(sigmoid(x)) is ~0 above and ~x below.
  float LogSigmoid(float x) const {
    if (x >= kMaxExp) return 0.0f;
    if (x <= -kMaxExp) return x;
    return log_sigmoid[Bin(x)];
  }
};

const SigmoidTables& Tables() {
  static const SigmoidTables tables;
  return tables;
}

inline float Dot(const float* __restrict a, const float* __restrict b, int n) {
  float sum = 0;
  for (int i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

// y += alpha * x
inline void Axpy(float alpha, const float* __restrict x, float* __restrict y, int n) {
  for (int i = 0; i < n; ++i) y[i] += alpha * x[i];
}

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
  const SigmoidTables& tables;
  float* input;
  float* output;
  std::vector<size_t> chunk_starts;  // playlist index where each chunk begins, plus the end
  int64_t total_tokens;              // corpus tokens * epochs
  std::atomic<size_t> next_chunk{0};
  std::atomic<int64_t> tokens_done{0};
};

// Per-thread counters for progress, padded to their own cache line so threads never share one.
struct alignas(64) ThreadCounters {
  std::atomic<double> loss{0};
  std::atomic<int64_t> examples{0};
  std::atomic<int> epoch{1};
};

// A worker's private state: the hot loop allocates nothing and takes no lock (fastText's
// Model::State).
class Worker {
 public:
  Worker(Shared& shared, ThreadCounters& counters, int thread_index)
      : s_(shared),
        counters_(counters),
        rng_(shared.options.seed + static_cast<uint64_t>(thread_index)),
        dim_(shared.options.dim),
        hidden_(dim_),
        gradient_(dim_) {}

  void Run() {
    const size_t chunks = s_.chunk_starts.size() - 1;
    const size_t total = chunks * static_cast<size_t>(s_.options.epochs);
    for (size_t c = s_.next_chunk.fetch_add(1); c < total; c = s_.next_chunk.fetch_add(1)) {
      counters_.epoch.store(static_cast<int>(c / chunks) + 1, std::memory_order_relaxed);
      const size_t chunk = c % chunks;
      for (size_t p = s_.chunk_starts[chunk]; p < s_.chunk_starts[chunk + 1]; ++p) {
        TrainPlaylist(s_.corpus.playlist(p));
      }
    }
  }

 private:
  void TrainPlaylist(std::span<const int32_t> playlist) {
    const int64_t done = s_.tokens_done.load(std::memory_order_relaxed);
    const double progress = static_cast<double>(done) / static_cast<double>(s_.total_tokens);
    alpha_ = static_cast<float>(s_.options.alpha - (s_.options.alpha - s_.options.min_alpha) *
                                                       std::min(1.0, progress));
    sentence_.clear();
    const bool subsample = s_.options.sample > 0;
    for (int32_t row : playlist) {
      if (!subsample || rng_.Next() <= s_.keep_thresholds[row]) sentence_.push_back(row);
    }
    loss_ = 0;
    examples_ = 0;
    if (s_.options.architecture == Architecture::kSkipGram) {
      SkipGram();
    } else {
      Cbow();
    }
    s_.tokens_done.fetch_add(static_cast<int64_t>(playlist.size()), std::memory_order_relaxed);
    counters_.loss.store(counters_.loss.load(std::memory_order_relaxed) + loss_,
                         std::memory_order_relaxed);
    counters_.examples.store(counters_.examples.load(std::memory_order_relaxed) + examples_,
                             std::memory_order_relaxed);
  }

  // The centre's window: word2vec's random shrinking draws its radius uniformly from 1..window.
  void Window(size_t i, size_t* begin, size_t* end) {
    const size_t radius = static_cast<size_t>(s_.options.window) -
                          rng_.Uniform(static_cast<uint32_t>(s_.options.window));
    *begin = i > radius ? i - radius : 0;
    *end = std::min(sentence_.size(), i + radius + 1);
  }

  void SkipGram() {
    const size_t n = sentence_.size();
    for (size_t i = 0; i < n; ++i) {
      size_t begin, end;
      Window(i, &begin, &end);
      for (size_t j = begin; j < end; ++j) {
        if (j == i) continue;
        // As in word2vec.c and gensim: the context song's input vector predicts the centre song.
        float* hidden = s_.input + static_cast<size_t>(sentence_[j]) * dim_;
        std::fill(gradient_.begin(), gradient_.end(), 0.0f);
        Update(hidden, sentence_[i]);
        Axpy(1.0f, gradient_.data(), hidden, dim_);
      }
    }
  }

  void Cbow() {
    const size_t n = sentence_.size();
    for (size_t i = 0; i < n; ++i) {
      size_t begin, end;
      Window(i, &begin, &end);
      if (end - begin < 2) continue;
      std::fill(hidden_.begin(), hidden_.end(), 0.0f);
      for (size_t j = begin; j < end; ++j) {
        if (j != i)
          Axpy(1.0f, s_.input + static_cast<size_t>(sentence_[j]) * dim_, hidden_.data(), dim_);
      }
      const float inverse = 1.0f / static_cast<float>(end - begin - 1);
      for (float& h : hidden_) h *= inverse;  // gensim's cbow_mean=1
      std::fill(gradient_.begin(), gradient_.end(), 0.0f);
      Update(hidden_.data(), sentence_[i]);
      // word2vec.c and gensim add the whole gradient to every context vector, undivided.
      for (size_t j = begin; j < end; ++j) {
        if (j != i)
          Axpy(1.0f, gradient_.data(), s_.input + static_cast<size_t>(sentence_[j]) * dim_, dim_);
      }
    }
  }

  // One positive (the centre song) and `negative` noise songs against `hidden`: accumulates the
  // gradient for `hidden` in gradient_ and updates the output rows in place. Draws that hit the
  // centre song are skipped, as in word2vec.c.
  void Update(const float* hidden, int32_t target) {
    const SigmoidTables& t = s_.tables;
    for (int d = 0; d <= s_.options.negative; ++d) {
      int32_t row = target;
      float label = 1.0f;
      if (d > 0) {
        row = s_.sampler.Sample(rng_);
        if (row == target) continue;
        label = 0.0f;
      }
      float* out = s_.output + static_cast<size_t>(row) * dim_;
      const float f = Dot(hidden, out, dim_);
      float sigmoid;
      if (f >= kMaxExp) {
        sigmoid = 1.0f;
      } else if (f <= -kMaxExp) {
        sigmoid = 0.0f;
      } else {
        sigmoid = t.sigmoid[SigmoidTables::Bin(f)];
      }
      loss_ -= t.LogSigmoid(label > 0 ? f : -f);
      const float g = (label - sigmoid) * alpha_;
      Axpy(g, out, gradient_.data(), dim_);
      Axpy(g, hidden, out, dim_);
    }
    ++examples_;
  }

  Shared& s_;
  ThreadCounters& counters_;
  Random rng_;
  const int dim_;
  std::vector<float> hidden_;    // CBOW's mean context vector
  std::vector<float> gradient_;  // accumulated gradient of the hidden vector
  std::vector<int32_t> sentence_;
  float alpha_ = 0;
  double loss_ = 0;
  int64_t examples_ = 0;
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
  if (!(alpha > 0 && alpha <= 10)) return out_of_range("--alpha", "above 0 and at most 10");
  if (!(min_alpha >= 0 && min_alpha <= alpha)) {
    return out_of_range("--min-alpha", "between 0 and --alpha");
  }
  if (threads < 1 || threads > 1024) return out_of_range("--threads", "between 1 and 1024");
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
  Embeddings embeddings{vocabulary, Matrix(vocabulary.size(), dim),
                        Matrix::Zero(vocabulary.size(), dim)};
  Random init(options.seed);
  for (Eigen::Index i = 0; i < embeddings.input.size(); ++i) {
    embeddings.input.data()[i] = (init.UniformFloat() - 0.5f) / static_cast<float>(dim);
  }

  const NegativeSampler sampler(vocabulary.counts(), options.ns_exponent);
  const std::vector<uint32_t> keep_thresholds = vocabulary.KeepThresholds(options.sample);
  Shared shared{corpus,
                options,
                sampler,
                keep_thresholds,
                Tables(),
                embeddings.input.data(),
                embeddings.output.data(),
                ChunkStarts(corpus),
                static_cast<int64_t>(corpus.tokens.size()) * options.epochs};

  std::vector<ThreadCounters> counters(options.threads);
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> errors(options.threads);
  std::mutex mutex;
  std::condition_variable finished_cv;
  int running = options.threads;
  for (int t = 0; t < options.threads; ++t) {
    threads.emplace_back([&, t] {
      try {
        Worker(shared, counters[t], t).Run();
      } catch (...) {
        errors[t] = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mutex);
      --running;
      finished_cv.notify_all();
    });
  }

  double last_loss = 0;
  int64_t last_examples = 0;
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
      p.loss = (loss - last_loss) / static_cast<double>(examples - last_examples);
      last_loss = loss;
      last_examples = examples;
    }
    p.eta_seconds = p.tokens_per_second > 0
                        ? static_cast<double>(shared.total_tokens - p.tokens) / p.tokens_per_second
                        : 0;
    if (progress) progress(p);
    return p;
  };

  {
    std::unique_lock<std::mutex> lock(mutex);
    const auto interval = std::chrono::duration<double>(progress_interval_seconds);
    while (!finished_cv.wait_for(lock, interval, [&] { return running == 0; })) {
      lock.unlock();
      report(false);
      lock.lock();
    }
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::exception_ptr& error : errors) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        return Status::Internal(std::string("training thread failed: ") + e.what());
      } catch (...) {
        return Status::Internal("training thread failed with an unknown exception");
      }
    }
  }
  TrainProgress last = report(true);
  if (summary != nullptr) {
    summary->tokens = last.tokens;
    summary->seconds = last.seconds;
    summary->tokens_per_second = last.tokens_per_second;
    summary->loss = last.loss;
  }
  return embeddings;
}

}  // namespace songvec
