#include "util/flags.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string_view>

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

void FlagSet::AddFlag(std::string name, std::string help, std::string default_value, bool is_bool,
                      std::function<bool(const std::string&)> assign, std::string expected,
                      std::function<void()> clear) {
  flags_.push_back({std::move(name), std::move(help), std::move(default_value), is_bool, false,
                    std::move(assign), std::move(expected), std::move(clear), ""});
}

void FlagSet::Add(const std::string& name, std::string* value, const std::string& help) {
  AddFlag(
      name, help, *value, false,
      [value](const std::string& text) {
        *value = text;
        return true;
      },
      "a value");
}

void FlagSet::Add(const std::string& name, int* value, const std::string& help) {
  AddFlag(
      name, help, std::to_string(*value), false,
      [value](const std::string& text) { return ParseNumber(text, value); }, "an integer");
}

void FlagSet::Add(const std::string& name, int64_t* value, const std::string& help) {
  AddFlag(
      name, help, std::to_string(*value), false,
      [value](const std::string& text) { return ParseNumber(text, value); }, "an integer");
}

void FlagSet::Add(const std::string& name, uint64_t* value, const std::string& help) {
  AddFlag(
      name, help, std::to_string(*value), false,
      [value](const std::string& text) { return ParseNumber(text, value); },
      "a non-negative integer");
}

void FlagSet::Add(const std::string& name, double* value, const std::string& help) {
  AddFlag(
      name, help, DoubleText(*value), false,
      [value](const std::string& text) {
        return ParseNumber(text, value) && std::isfinite(*value);
      },
      "a number");
}

void FlagSet::Add(const std::string& name, bool* value, const std::string& help) {
  AddFlag(
      name, help, *value ? "true" : "false", true,
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
      "true or false");
}

void FlagSet::Add(const std::string& name, std::vector<std::string>* values,
                  const std::string& help) {
  std::string shown;
  for (const std::string& value : *values) shown += (shown.empty() ? "" : ",") + value;
  AddFlag(
      name, help, shown, false,
      [values](const std::string& text) {
        if (text.empty()) return false;
        values->push_back(text);
        return true;
      },
      "a non-empty value", [values] { values->clear(); });
}

std::string FlagSet::EnvironmentName(const std::string& name) const {
  std::string variable = env_prefix_;
  for (char c : name) variable += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return variable;
}

Status FlagSet::Parse(const std::vector<std::string>& args) {
  if (!env_prefix_.empty()) {
    for (Flag& flag : flags_) {
      const char* text = std::getenv(EnvironmentName(flag.name).c_str());
      if (text == nullptr) continue;
      std::vector<std::string> values = {text};
      if (flag.clear) {
        flag.clear();  // the environment's list replaces the default
        flag.source = "env";
        values.clear();
        for (size_t start = 0;;) {
          const size_t comma = std::string_view(text).find(',', start);
          values.emplace_back(std::string_view(text).substr(start, comma - start));
          if (comma == std::string_view::npos) break;
          start = comma + 1;
        }
      }
      for (const std::string& value : values) {
        if (!flag.assign(value)) {
          return Status::InvalidArgument(EnvironmentName(flag.name) + " expects " + flag.expected +
                                         ", got '" + text + "'");
        }
      }
      flag.set = true;
    }
  }
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
    if (flag->clear && flag->source != "args") {
      flag->clear();  // the command line's list replaces the default and the environment's
      flag->source = "args";
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
                      const std::string& default_value, const std::string& variable) {
    std::string left = "  --" + name;
    if (left.size() < 22) left.resize(22, ' ');
    text += left + " " + help;
    if (!default_value.empty()) text += " (default: " + default_value + ")";
    if (!variable.empty()) text += " [$" + variable + "]";
    text += "\n";
  };
  for (const Flag& flag : flags_) {
    line(flag.name, flag.help + (flag.clear ? "; repeatable" : ""), flag.default_value,
         env_prefix_.empty() ? "" : EnvironmentName(flag.name));
  }
  line("help", "show this help", "", "");
  return text;
}

}  // namespace songvec
