#include "core/index.h"

#include "core/flat_index.h"
#include "core/pruned_index.h"

namespace songvec {

const char* IndexPolicyName(IndexPolicy policy) {
  switch (policy) {
    case IndexPolicy::kAuto:
      return "auto";
    case IndexPolicy::kFlat:
      return "flat";
    case IndexPolicy::kPruned:
      return "pruned";
  }
  return "unknown";
}

Result<IndexPolicy> ParseIndexPolicy(const std::string& name) {
  for (IndexPolicy policy : {IndexPolicy::kAuto, IndexPolicy::kFlat, IndexPolicy::kPruned}) {
    if (name == IndexPolicyName(policy)) return policy;
  }
  return Status::InvalidArgument("unknown index '" + name + "' (expected auto, flat or pruned)");
}

std::shared_ptr<const Index> MakeIndex(std::shared_ptr<const FlatIndex> flat, IndexPolicy policy) {
  const bool pruned = policy == IndexPolicy::kPruned ||
                      (policy == IndexPolicy::kAuto && flat->size() >= kPrunedMinRows);
  if (pruned) return std::make_shared<const PrunedIndex>(std::move(flat));
  return flat;
}

}  // namespace songvec
