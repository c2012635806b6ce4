#include "util/flags.h"

#include <charconv>
#include <cmath>
#include <sstream>

namespace songvec {
namespace {

template <typename T>
bool ParseNumber(const std::string& text, T* value) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size();
}

std::string DoubleText(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

void FlagSet::AddFlag(Flag flag) { flags_.push_back(std::move(flag)); }

void FlagSet::Add(const std::string& name, std::string* value, const std::string& help) {
  AddFlag({name, help, *value, false, false,
           [value](const std::string& text) {
             *value = text;
             return true;
           },
           "a value"});
}

void FlagSet::Add(const std::string& name, int* value, const std::string& help) {
  AddFlag({name, help, std::to_string(*value), false, false,
           [value](const std::string& text) { return ParseNumber(text, value); }, "an integer"});
}

void FlagSet::Add(const std::string& name, int64_t* value, const std::string& help) {
  AddFlag({name, help, std::to_string(*value), false, false,
           [value](const std::string& text) { return ParseNumber(text, value); }, "an integer"});
}

void FlagSet::Add(const std::string& name, uint64_t* value, const std::string& help) {
  AddFlag({name, help, std::to_string(*value), false, false,
           [value](const std::string& text) { return ParseNumber(text, value); },
           "a non-negative integer"});
}

void FlagSet::Add(const std::string& name, double* value, const std::string& help) {
  AddFlag({name, help, DoubleText(*value), false, false,
           [value](const std::string& text) {
             return ParseNumber(text, value) && std::isfinite(*value);
           },
           "a number"});
}

void FlagSet::Add(const std::string& name, bool* value, const std::string& help) {
  AddFlag({name, help, *value ? "true" : "false", true, false,
           [value](const std::string& text) {
             if (text == "true" || text == "1") {
               *value = true;
             } else if (text == "false" || text == "0") {
               *value = false;
             } else {
               return false;
             }
             return true;
           },
           "true or false"});
}

Status FlagSet::Parse(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      return Status();
    }
    if (arg.rfind("--", 0) != 0) {
      return Status::InvalidArgument("unexpected argument '" + arg + "' (see --help)");
    }
    const size_t equals = arg.find('=');
    const std::string name =
        arg.substr(2, equals == std::string::npos ? std::string::npos : equals - 2);
    Flag* flag = nullptr;
    for (Flag& f : flags_) {
      if (f.name == name) flag = &f;
    }
    if (flag == nullptr) {
      return Status::InvalidArgument("unknown option --" + name + " (see --help)");
    }
    std::string value;
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else if (flag->is_bool) {
      value = "true";
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Status::InvalidArgument("--" + name + " needs a value");
    }
    if (!flag->assign(value)) {
      return Status::InvalidArgument("--" + name + " expects " + flag->expected + ", got '" +
                                     value + "'");
    }
    flag->set = true;
  }
  return Status();
}

bool FlagSet::IsSet(const std::string& name) const {
  for (const Flag& flag : flags_) {
    if (flag.name == name) return flag.set;
  }
  return false;
}

Status FlagSet::Require(const std::string& name) const {
  if (IsSet(name)) return Status();
  return Status::InvalidArgument("--" + name + " is required (see --help)");
}

std::string FlagSet::Help() const {
  std::string text = "usage: " + usage_ + "\n\noptions:\n";
  auto line = [&text](const std::string& name, const std::string& help,
                      const std::string& default_value) {
    std::string left = "  --" + name;
    if (left.size() < 22) left.resize(22, ' ');
    text += left + " " + help;
    if (!default_value.empty()) text += " (default: " + default_value + ")";
    text += "\n";
  };
  for (const Flag& flag : flags_) line(flag.name, flag.help, flag.default_value);
  line("help", "show this help", "");
  return text;
}

}  // namespace songvec
