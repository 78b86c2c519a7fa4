#pragma once
// The daemon's answer: a stream of lines for the pusher, then a verdict.
//   info <text> | warning <text> | error <text> | progress <text> | data <text>
//   verdict accept|reject
//   0000
// Pure code (standard library only); the hook links it.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ipc/pkt_line.h"

namespace refguard::ipc {

enum class LineKind { kInfo, kWarning, kError, kProgress, kData };
enum class Verdict { kAccept, kReject };

/// Receives the lines meant for the pusher, as they are produced, in order;
/// may be called from any thread (the daemon's sends them over the socket,
/// `refguard check` prints them, `refguard scan` drops them).
using LineSink = std::function<void(LineKind, const std::string&)>;

struct ReplyLine {
  LineKind kind;
  std::string text;
};

std::string_view to_string(LineKind kind);
std::string_view to_string(Verdict verdict);

/// Appends one line; text longer than a packet is cut (never split across packets).
void append_reply_line(std::string& out, LineKind kind, std::string_view text);
void append_verdict(std::string& out, Verdict verdict);

/// What one reply packet meant.
struct ReplyEvent {
  std::optional<ReplyLine> line;
  std::optional<Verdict> verdict;
  bool end = false;  // the closing flush after the verdict
};

/// Validates reply packets in order: lines, exactly one verdict, then flush.
class ReplyParser {
 public:
  std::optional<ReplyEvent> consume(const Pkt& pkt);
  const std::string& error() const { return error_; }
  std::optional<Verdict> verdict() const { return verdict_; }

 private:
  std::optional<Verdict> verdict_;
  bool ended_ = false;
  std::string error_;
};

}  // namespace refguard::ipc
