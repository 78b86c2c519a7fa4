#include "ipc/reply.h"

#include <array>

namespace refguard::ipc {

namespace {
constexpr std::array<std::pair<LineKind, std::string_view>, 5> kKinds = {{
    {LineKind::kInfo, "info"},
    {LineKind::kWarning, "warning"},
    {LineKind::kError, "error"},
    {LineKind::kProgress, "progress"},
    {LineKind::kData, "data"},
}};
}  // namespace

std::string_view to_string(LineKind kind) {
  for (const auto& [k, name] : kKinds)
    if (k == kind) return name;
  return "info";
}

std::string_view to_string(Verdict verdict) { return verdict == Verdict::kAccept ? "accept" : "reject"; }

void append_reply_line(std::string& out, LineKind kind, std::string_view text) {
  std::string payload(to_string(kind));
  payload.push_back(' ');
  size_t room = kMaxPktPayload - 1 - payload.size();
  payload.append(text.substr(0, room));
  append_pkt(out, payload);
}

void append_verdict(std::string& out, Verdict verdict) {
  append_pkt(out, "verdict " + std::string(to_string(verdict)));
  append_flush(out);
}

std::optional<ReplyEvent> ReplyParser::consume(const Pkt& pkt) {
  if (!error_.empty()) return std::nullopt;
  if (ended_) {
    error_ = "reply continues after its end";
    return std::nullopt;
  }
  if (pkt.flush) {
    if (!verdict_) {
      error_ = "reply ended without a verdict";
      return std::nullopt;
    }
    ended_ = true;
    return ReplyEvent{std::nullopt, std::nullopt, true};
  }
  if (verdict_) {
    error_ = "reply has data after its verdict";
    return std::nullopt;
  }
  std::string_view payload = pkt.payload;
  if (payload == "verdict accept" || payload == "verdict reject") {
    verdict_ = payload == "verdict accept" ? Verdict::kAccept : Verdict::kReject;
    return ReplyEvent{std::nullopt, verdict_, false};
  }
  for (const auto& [kind, name] : kKinds) {
    if (payload.size() > name.size() && payload.substr(0, name.size()) == name && payload[name.size()] == ' ')
      return ReplyEvent{ReplyLine{kind, std::string(payload.substr(name.size() + 1))}, std::nullopt, false};
  }
  error_ = "unknown reply line '" + std::string(payload.substr(0, 32)) + "'";
  return std::nullopt;
}

}  // namespace refguard::ipc
