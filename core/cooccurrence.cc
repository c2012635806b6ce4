#include "core/cooccurrence.h"

#include <algorithm>
#include <numeric>

namespace songvec {

Cooccurrence::Cooccurrence(const Corpus& train, const Vocabulary& vocabulary) {
  const std::vector<int32_t> rows = vocabulary.RowsOf(train);
  std::vector<std::pair<int32_t, int32_t>> adjacent;  // both directions
  for (size_t p = 0; p < train.num_playlists(); ++p) {
    std::span<const int32_t> playlist = train.playlist(p);
    for (size_t i = 0; i + 1 < playlist.size(); ++i) {
      const int32_t x = rows[playlist[i]], y = rows[playlist[i + 1]];
      if (x < 0 || y < 0 || x == y) continue;
      adjacent.emplace_back(x, y);
      adjacent.emplace_back(y, x);
    }
  }
  std::sort(adjacent.begin(), adjacent.end());
  starts_.assign(vocabulary.size() + 1, 0);
  for (size_t i = 0; i < adjacent.size();) {
    size_t j = i;
    while (j < adjacent.size() && adjacent[j] == adjacent[i]) ++j;
    entries_.emplace_back(adjacent[i].second, static_cast<int32_t>(j - i));
    ++starts_[adjacent[i].first + 1];
    i = j;
  }
  std::partial_sum(starts_.begin(), starts_.end(), starts_.begin());
}

void Cooccurrence::Accumulate(int32_t row, int /*distance*/, float weight,
                              std::vector<float>* scores, std::vector<int32_t>* touched) const {
  for (const auto& [b, count] : neighbors(row)) {
    float& s = (*scores)[b];
    if (s == 0) touched->push_back(b);
    s += weight * static_cast<float>(count);
  }
}

}  // namespace songvec
