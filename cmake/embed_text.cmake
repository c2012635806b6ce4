# Writes a C++ source defining `extern const char NAME[]` with the text of INPUT, so a binary
# carries the file (the server's OpenAPI description, the web app).
# Usage: cmake -DINPUT=file -DOUTPUT=file.cc -DNAME=kName -P embed_text.cmake
file(READ "${INPUT}" text)
if(text MATCHES "\\)songvec_text\"")
  message(FATAL_ERROR "${INPUT} contains the raw string delimiter )songvec_text\"")
endif()
file(WRITE "${OUTPUT}.tmp" "// Generated from ${INPUT} by cmake/embed_text.cmake. Do not edit.
namespace songvec {
extern const char ${NAME}[];
const char ${NAME}[] = R\"songvec_text(${text})songvec_text\";
}  // namespace songvec
")
# Only touch OUTPUT when it changes, so an unchanged file does not rebuild the server.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
