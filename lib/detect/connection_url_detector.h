#pragma once
// The `connection_url` detector: database and broker URLs that carry a
// password (postgres://user:PASSWORD@host/db), judged like a reviewer would.
// The URL is parsed (scheme, user, password, host), and a password is
// reported unless both of these hold:
//
//   - the host cannot be a production server: a loopback name or address
//     (localhost, *.localhost, 127.0.0.0/8, ::1, 0.0.0.0), a name reserved
//     for documentation and tests by RFC 2606 / RFC 6761 (example, example.com,
//     example.net, example.org and their subdomains, *.example, *.test,
//     *.invalid), or a single-label name (a Docker Compose service: db, redis);
//   - the password is a throwaway: the user name, or a value built from
//     the words people use for test credentials (pass, pwd, secret, test,
//     user, admin, demo, dev, changeme, the engine's name ...) plus digits and
//     separators, or shorter than 8 characters, or of low entropy.
//
// So `postgresql://testuser:testpwd@localhost:5432/vectordb` passes, and a
// random password is reported even on localhost; any password is reported
// for a real host name. Template references (${DB_PASSWORD}, <password>)
// are the rule's allowlist's business.
//
// [rule.detector]
// type = "connection_url"
// schemes = ["postgres", ...]   (optional; the default list covers SQL, document,
//                                key-value and message-broker URLs)
//
// The secret is the password. Immutable and thread-safe.
#include <memory>
#include <string_view>

#include "detect/detector.h"
#include "detect/params.h"

namespace refguard::detect {

std::unique_ptr<Detector> make_connection_url_detector(DetectorParams& params);

/// True when `host` (as written in a URL, brackets and all) is loopback,
/// reserved for documentation or tests, or a single label. Exposed for tests.
bool is_non_production_host(std::string_view host);
/// True when `password` looks like a test credential rather than a secret.
bool is_throwaway_password(std::string_view password, std::string_view user);

}  // namespace refguard::detect
