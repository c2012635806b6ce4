#ifndef SONGVEC_CORE_STATUS_H_
#define SONGVEC_CORE_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace songvec {

// The outcome of an operation that can fail in an expected way (bad input, a missing song, a
// corrupt file). Cheap to copy; a failure carries a message meant for the user, naming what went
// wrong and where ("train.txt:57: ..."). [[nodiscard]]: a call whose Status is dropped is a
// compiler warning, so no failure goes unseen. Thread-compatible.
class [[nodiscard]] Status {
 public:
  enum class Code { kOk, kInvalidArgument, kNotFound, kIoError, kCorruption, kInternal };

  // An OK status.
  Status() = default;

  static Status InvalidArgument(std::string message) {
    return Status(Code::kInvalidArgument, std::move(message));
  }
  static Status NotFound(std::string message) {
    return Status(Code::kNotFound, std::move(message));
  }
  static Status IoError(std::string message) { return Status(Code::kIoError, std::move(message)); }
  static Status Corruption(std::string message) {
    return Status(Code::kCorruption, std::move(message));
  }
  static Status Internal(std::string message) {
    return Status(Code::kInternal, std::move(message));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // Empty for an OK status.
  const std::string& message() const { return message_; }

  // The same failure with `context` in front of the message ("opening songvec.db: ...").
  Status WithContext(const std::string& context) const {
    return ok() ? *this : Status(code_, context + ": " + message_);
  }

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// Either a value or a failed Status. Accessing value() of a failed result is a programming error.
// [[nodiscard]] as Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.ok() && "a Result needs a value or a failed Status");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace songvec

// Returns early from the enclosing function when `expr` (a Status) failed.
#define SONGVEC_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    ::songvec::Status songvec_status_ = (expr);        \
    if (!songvec_status_.ok()) return songvec_status_; \
  } while (0)

#define SONGVEC_CONCAT_INNER(a, b) a##b
#define SONGVEC_CONCAT(a, b) SONGVEC_CONCAT_INNER(a, b)
#define SONGVEC_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

// `lhs = value of expr` (a Result), or returns its failed Status from the enclosing function.
#define SONGVEC_ASSIGN_OR_RETURN(lhs, expr) \
  SONGVEC_ASSIGN_OR_RETURN_IMPL(SONGVEC_CONCAT(songvec_result_, __LINE__), lhs, expr)

#endif  // SONGVEC_CORE_STATUS_H_
