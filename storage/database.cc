#include "storage/database.h"

#include <sqlite3.h>
#include <sys/statvfs.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "storage/migrations.h"

namespace songvec {
namespace {

// Whether `path` is on a file system mounted read-only.
bool OnReadOnlyMedia(const std::string& path) {
  struct statvfs fs;
  return statvfs(path.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0;
}

// `path` as an SQLite URI that opens it immutable (no locks, no -shm file, no change detection:
// right for a file nothing can change), percent-encoding what a URI's path cannot hold.
std::string ImmutableUri(const std::string& path) {
  std::string uri = "file:";
  for (const unsigned char c : path) {
    if (c == '%' || c == '?' || c == '#' || c < 0x20 || c >= 0x7f) {
      char escaped[4];
      std::snprintf(escaped, sizeof(escaped), "%%%02X", c);
      uri += escaped;
    } else {
      uri += static_cast<char>(c);
    }
  }
  return uri + "?immutable=1";
}

constexpr int kReadTimeoutMs = 10000;

}  // namespace

// ---- Statement

void Statement::Finalizer::operator()(sqlite3_stmt* statement) const {
  sqlite3_finalize(statement);
}

void Statement::CheckBind(int code) {
  if (code != SQLITE_OK && bind_error_.ok()) {
    bind_error_ = Status::Internal(std::string("binding a value: ") + sqlite3_errstr(code));
  }
}

Statement& Statement::Bind(int index, int64_t value) {
  CheckBind(sqlite3_bind_int64(statement_.get(), index, value));
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  CheckBind(sqlite3_bind_double(statement_.get(), index, value));
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  CheckBind(sqlite3_bind_text64(statement_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT,
                                SQLITE_UTF8));
  return *this;
}

Statement& Statement::BindBlob(int index, std::span<const std::byte> bytes) {
  CheckBind(
      sqlite3_bind_blob64(statement_.get(), index, bytes.data(), bytes.size(), SQLITE_TRANSIENT));
  return *this;
}

Result<bool> Statement::Step() {
  if (!bind_error_.ok()) return bind_error_;
  const int code = sqlite3_step(statement_.get());
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  return Status::IoError(std::string(sqlite3_errmsg(db_)) +
                         " (in: " + sqlite3_sql(statement_.get()) + ")");
}

Status Statement::Run() {
  while (true) {
    Result<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status();
  }
}

void Statement::Reset() {
  sqlite3_reset(statement_.get());
  sqlite3_clear_bindings(statement_.get());
  bind_error_ = Status();
}

int64_t Statement::ColumnInt(int column) const {
  return sqlite3_column_int64(statement_.get(), column);
}

double Statement::ColumnDouble(int column) const {
  return sqlite3_column_double(statement_.get(), column);
}

std::string Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(statement_.get(), column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(statement_.get(), column)));
}

std::span<const std::byte> Statement::ColumnBlob(int column) const {
  const void* data = sqlite3_column_blob(statement_.get(), column);
  const int size = sqlite3_column_bytes(statement_.get(), column);
  return {static_cast<const std::byte*>(data), static_cast<size_t>(size)};
}

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(statement_.get(), column) == SQLITE_NULL;
}

// ---- Database

void Database::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Result<Database> Database::Open(const std::string& path, Mode mode) {
  int flags =
      mode == Mode::kReadWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  std::string name = path;
  // A reader of a WAL database needs its -shm file, which read-only media cannot hold, so there
  // the file is opened immutable; a log not yet folded into it would then go unread.
  if (mode == Mode::kReadOnly && OnReadOnlyMedia(path)) {
    std::error_code error;
    const auto log_size = std::filesystem::file_size(path + "-wal", error);
    if (!error && log_size > 0) {
      return Status::IoError(
          "cannot open database " + path + ": it is on read-only media and its write-ahead log " +
          path + "-wal holds changes not yet in it; open it once where it is writable (e.g. " +
          "songvec-train models list --db FILE), which folds the log in, and copy it again");
    }
    name = ImmutableUri(path);
    flags |= SQLITE_OPEN_URI;
  }
  sqlite3* handle = nullptr;
  const int code = sqlite3_open_v2(name.c_str(), &handle, flags, nullptr);
  Database db(path, handle);
  if (code != SQLITE_OK) {
    std::string reason = handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(code);
    if (mode == Mode::kReadOnly) reason += " (does it exist? songvec-train train creates it)";
    return Status::IoError("cannot open database " + path + ": " + reason);
  }
  if (mode == Mode::kReadWrite) {
    db.QueueWrites(nullptr);
  } else {
    sqlite3_busy_timeout(handle, kReadTimeoutMs);
  }
  SONGVEC_RETURN_IF_ERROR(db.Execute("PRAGMA foreign_keys = ON"));
  if (mode == Mode::kReadWrite) {
    // Incremental auto-vacuum lets deleted models' pages go back to the file system. It can only be
    // chosen before the first table exists, and choosing it takes the write lock, so only a new
    // file is asked (opening one in use must not wait for its writer).
    bool has_tables = false;
    {
      SONGVEC_ASSIGN_OR_RETURN(Statement tables, db.Prepare("SELECT 1 FROM sqlite_master LIMIT 1"));
      SONGVEC_ASSIGN_OR_RETURN(has_tables, tables.Step());
    }
    if (!has_tables) SONGVEC_RETURN_IF_ERROR(db.Execute("PRAGMA auto_vacuum = INCREMENTAL"));
    // WAL lets the server read while the trainer writes; it is recorded in the file itself.
    SONGVEC_RETURN_IF_ERROR(db.Execute("PRAGMA journal_mode = WAL"));
    SONGVEC_RETURN_IF_ERROR(ApplyMigrations(db, EmbeddedMigrations()));
  } else {
    SONGVEC_RETURN_IF_ERROR(CheckMigrations(db, EmbeddedMigrations()));
  }
  return db;
}

void Database::QueueWrites(std::function<void()> waiting, std::chrono::milliseconds limit) {
  queue_ = std::make_unique<WriterQueue>(WriterQueue{limit, std::move(waiting)});
  // SQLite calls this while the lock is taken, `attempts` counting from 0; 0 gives up.
  auto wait = [](void* context, int attempts) -> int {
    constexpr int kPauseMs = 20;
    const auto* queue = static_cast<const WriterQueue*>(context);
    if (attempts == 0 && queue->waiting) queue->waiting();
    if (std::chrono::milliseconds(int64_t{attempts} * kPauseMs) >= queue->limit) return 0;
    sqlite3_sleep(kPauseMs);
    return 1;
  };
  sqlite3_busy_handler(db_.get(), wait, queue_.get());
}

std::string Database::Reason(const char* message) const {
  std::string reason = message;
  if (sqlite3_errcode(db_.get()) == SQLITE_BUSY) {
    reason += " (another process held its lock longer than this one waits";
    reason += queue_ ? ": is another songvec-train writing to it, or a sqlite3 shell in a "
                       "transaction?)"
                     : ")";
  }
  return reason;
}

Status Database::Error(std::string_view what) const {
  return Status::IoError(path_ + ": " + std::string(what) + ": " +
                         Reason(sqlite3_errmsg(db_.get())));
}

Status Database::Execute(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  if (sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string reason = Reason(message != nullptr ? message : "unknown error");
    sqlite3_free(message);
    return Status::IoError(path_ + ": " + reason);
  }
  return Status();
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &statement,
                         nullptr) != SQLITE_OK) {
    return Error("preparing '" + std::string(sql) + "'");
  }
  return Statement(db_.get(), statement);
}

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_.get()); }

int64_t Database::Changes() const { return sqlite3_changes64(db_.get()); }

// ---- Transaction

Result<Transaction> Transaction::Begin(Database& db) {
  SONGVEC_RETURN_IF_ERROR(db.Execute("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

Result<Transaction> Transaction::BeginRead(Database& db) {
  SONGVEC_RETURN_IF_ERROR(db.Execute("BEGIN DEFERRED"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  // A destructor has no one to report to; a ROLLBACK that fails leaves the transaction open, and
  // SQLite rolls it back when the connection closes.
  if (db_ != nullptr) static_cast<void>(db_->Execute("ROLLBACK"));
}

Status Transaction::Commit() {
  Status status = db_->Execute("COMMIT");
  if (status.ok()) db_ = nullptr;
  return status;
}

}  // namespace songvec
