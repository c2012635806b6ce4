# Writes a C++ source holding every migrations/NNNN_name.sql, so binaries carry their schema.
# Usage: cmake -DOUTPUT=file.cc -DSOURCE_DIR=migrations -P embed_migrations.cmake
file(GLOB files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/*.sql")
list(SORT files)
set(entries "")
set(expected 1)
foreach(file IN LISTS files)
  if(NOT file MATCHES "^([0-9][0-9][0-9][0-9])_([a-z0-9_]+)\\.sql$")
    message(FATAL_ERROR "migrations/${file}: expected a name like 0001_init.sql")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  set(name "${CMAKE_MATCH_2}")
  if(NOT version EQUAL expected)
    message(FATAL_ERROR "migrations/${file}: expected migration number ${expected}")
  endif()
  math(EXPR expected "${expected} + 1")
  file(READ "${SOURCE_DIR}/${file}" sql)
  if(sql MATCHES "\\)songvec_sql\"")
    message(FATAL_ERROR "migrations/${file} contains the raw string delimiter )songvec_sql\"")
  endif()
  string(APPEND entries "    {${version}, \"${name}\", R\"songvec_sql(${sql})songvec_sql\"},\n")
endforeach()
set(content "// Generated from migrations/*.sql by cmake/embed_migrations.cmake. Do not edit.
#include \"storage/migrations.h\"

namespace songvec {
namespace {
constexpr Migration kMigrations[] = {
${entries}};
}  // namespace

std::span<const Migration> EmbeddedMigrations() { return kMigrations; }

}  // namespace songvec
")
file(WRITE "${OUTPUT}.tmp" "${content}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
