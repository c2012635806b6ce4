#ifndef SONGVEC_CORE_TRAINER_H_
#define SONGVEC_CORE_TRAINER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/corpus.h"
#include "core/embeddings.h"
#include "core/isa.h"
#include "core/status.h"
#include "core/vocabulary.h"

namespace songvec {

enum class Architecture {
  kSkipGram,  // each context song predicts the centre song
  kCbow,  // the mean of the context predicts the centre song (gensim's default, the book's model)
};

// "skipgram" / "cbow" and back.
const char* ArchitectureName(Architecture architecture);
Result<Architecture> ParseArchitecture(const std::string& name);

// Hyperparameters of word2vec with negative sampling. The defaults are EVALUATION.md's reference
// settings (the book's call: dim 32, window 20, negative 50, min_count 1, with gensim's defaults
// for the rest, but skip-gram rather than gensim's CBOW) except ns_exponent, where 0.5 holds on
// both yes.com's radio logs and MPD-style playlists (README, "Quality").
struct TrainOptions {
  // Default: skip-gram.
  Architecture architecture = Architecture::kSkipGram;
  // Vector size (gensim's vector_size). Default: 32.
  int dim = 32;
  // Largest distance between centre and context; each centre draws its window uniformly from
  // 1..window as word2vec does. Default: 20.
  int window = 20;
  // Negative samples per positive pair. Default: 50.
  int negative = 50;
  // Exponent of the noise distribution count^ns_exponent; below 0 rare songs are drawn more often
  // than frequent ones (Caselles-Dupre et al. 2018). Default: 0.5 (gensim's: 0.75).
  double ns_exponent = 0.5;
  // Sub-sampling threshold of frequent songs; 0 disables it. Default: 1e-3.
  double sample = 1e-3;
  // Songs appearing fewer times are left out of the vocabulary. Default: 1.
  int64_t min_count = 1;
  // Passes over the corpus. Default: 5.
  int epochs = 5;
  // Learning rate at the start, decaying linearly to min_alpha at the end. Above 0 and at most 1:
  // word2vec.c, gensim and fastText start at 0.025 to 0.1, and on the demo data 0.1 already
  // diverges; where a rate diverges depends on the data, the window and the negatives, so within
  // the range a run that diverges is stopped (Train()). Default: 0.025.
  double alpha = 0.025;
  // Default: 0.0001.
  double min_alpha = 0.0001;
  // Skip-gram only: draw one set of negatives per centre song and share it across the centre's
  // window (HogBatch, Ji et al. 2016) instead of fresh negatives for every (context, centre) pair
  // as word2vec.c does. Three to four times faster, and on yes_complete its HR@10 is higher, not
  // lower (README, "Performance"). Default: true.
  bool shared_negatives = true;
  // Worker threads (Hogwild: lock-free, each with its own state and RNG). Default: 1.
  int threads = 1;
  // Seeds the initial vectors and every thread's RNG (seed + thread index). Default: 1.
  uint64_t seed = 1;
  // The SIMD level of the update kernels, one of SupportedIsas(): where the run happens, not what
  // it learns (levels differ only in float rounding). Default: DefaultIsa().
  Isa isa = DefaultIsa();

  // InvalidArgument naming the first option out of range, e.g. "--dim must be between 1 and 4096".
  Status Validate() const;
};

// A snapshot of a running training, handed to the progress callback.
struct TrainProgress {
  double fraction = 0;  // 0..1 of all epochs
  int epoch = 0;        // 1-based epoch the slowest thread is in
  int64_t tokens = 0;   // corpus tokens processed so far (before sub-sampling)
  double seconds = 0;   // since training started
  double tokens_per_second = 0;
  double alpha = 0;  // current learning rate
  // Mean SGNS loss per (context, centre) example over the examples trained since the last report
  // that had any (the last known loss); none before the first example.
  std::optional<double> loss;
  double eta_seconds = 0;
};

// Called on the thread that called Train(), about once per `progress_interval_seconds`, and once at
// the end with fraction 1.
using ProgressCallback = std::function<void(const TrainProgress&)>;

// What a finished training did.
struct TrainSummary {
  int64_t tokens = 0;  // corpus tokens processed over all epochs (before sub-sampling)
  double seconds = 0;
  double tokens_per_second = 0;
  std::optional<double> loss;  // the last report's loss
};

// Trains SGNS vectors for `vocabulary` on `corpus`, whose tokens must be rows of `vocabulary`
// (Vocabulary::Encode). Input vectors start uniform in [-0.5/dim, 0.5/dim), output vectors at zero,
// as in word2vec.c and gensim. With one thread the result depends only on the inputs and options
// (bit-identical across runs at one SIMD level); with more, threads race on shared rows by design
// (Hogwild). Fails with InvalidArgument for bad options, a corpus without a pair of songs to
// learn from, or a run that diverges (its loss becomes NaN or infinite: it stops there, naming the
// epoch and the learning rate).
Result<Embeddings> Train(const Corpus& corpus, const Vocabulary& vocabulary,
                         const TrainOptions& options, const ProgressCallback& progress,
                         double progress_interval_seconds, TrainSummary* summary);

}  // namespace songvec

#endif  // SONGVEC_CORE_TRAINER_H_
