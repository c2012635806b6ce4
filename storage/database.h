#ifndef SONGVEC_STORAGE_DATABASE_H_
#define SONGVEC_STORAGE_DATABASE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace songvec {

// A small RAII layer over SQLite (after SQLiteCpp): a Database owns its connection, a Statement is
// finalized by its handle, a Transaction rolls back unless committed. Every failure is a Status
// whose message carries SQLite's. A Database and its statements belong to one thread at a time.

// A prepared statement. Bind with 1-based indices, Step() through rows, read 0-based columns.
class Statement {
 public:
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, double value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, std::span<const std::byte> bytes);

  // Advances: true with a row to read, false when done. The first failed Bind is reported here.
  Result<bool> Step();
  // Steps until done, for statements that return no rows.
  Status Run();
  // Makes the statement ready to run again with new bindings.
  void Reset();

  int64_t ColumnInt(int column) const;
  double ColumnDouble(int column) const;
  std::string ColumnText(int column) const;                 // "" for NULL
  std::span<const std::byte> ColumnBlob(int column) const;  // valid until the next Step/Reset
  bool ColumnIsNull(int column) const;

 private:
  friend class Database;
  struct Finalizer {
    void operator()(sqlite3_stmt* statement) const;
  };
  Statement(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}
  void CheckBind(int code);

  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> statement_;
  Status bind_error_;
};

class Database {
 public:
  enum class Mode {
    // Creates the file if needed and applies pending migrations (storage/migrations.h).
    kReadWrite,
    // Never writes; the schema must already be current (the server opens databases this way).
    kReadOnly,
  };

  // Opens `path` (":memory:" for a private in-memory database) with WAL journaling, so that readers
  // proceed while a writer works, and foreign keys on. kReadOnly on a file system mounted read-only
  // opens the file immutable (WAL readers need a -shm file beside it), and fails naming the fix if
  // a write-ahead log beside it holds changes. A reader waits up to 10 s for a lock; a kReadWrite
  // connection queues behind another's write for as long as it lasts, up to an hour (a model's
  // write takes 25-90 s at a million songs; two trainers must both land).
  static Result<Database> Open(const std::string& path, Mode mode);

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;

  // Runs one or more statements that return no rows.
  Status Execute(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  int64_t LastInsertRowId() const;
  // Rows the last INSERT, UPDATE or DELETE changed.
  int64_t Changes() const;
  const std::string& path() const { return path_; }
  static constexpr std::chrono::hours kWriterQueueLimit{1};
  // What a read-write connection calls once each time it finds the write lock taken (to say why
  // it waits), and how long it waits for another's write.
  void QueueWrites(std::function<void()> waiting,
                   std::chrono::milliseconds limit = kWriterQueueLimit);

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  struct WriterQueue {
    std::chrono::milliseconds limit;
    std::function<void()> waiting;
  };
  Database(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  Status Error(std::string_view what) const;
  // SQLite's message, and on a lock held past the wait, who could hold it.
  std::string Reason(const char* message) const;

  std::string path_;
  std::unique_ptr<sqlite3, Closer> db_;
  // Where SQLite's busy handler finds it: stays put when the Database moves.
  std::unique_ptr<WriterQueue> queue_;
};

// BEGIN IMMEDIATE on construction (so a concurrent writer fails up front, not at commit), ROLLBACK
// on destruction unless Commit() succeeded. Nothing written inside it is visible to others before
// that.
class Transaction {
 public:
  // A write transaction (BEGIN IMMEDIATE): takes the write lock at once.
  static Result<Transaction> Begin(Database& db);
  // A read transaction (BEGIN DEFERRED): every read until it ends sees one snapshot of the
  // database, whatever writers commit meanwhile. Works on read-only connections.
  static Result<Transaction> BeginRead(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Status Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;  // null once committed or rolled back
};

}  // namespace songvec

#endif  // SONGVEC_STORAGE_DATABASE_H_
