// Issue 16 and issue 15 (items 7 and 15) through the built-in policy and the
// blob scanner: private keys need a body, hidden Unicode in every source
// file (and not in notebook outputs), agent files by name and content,
// confusable identifiers, env templates, and keys in UTF-16 files, binary
// files, base64 runs and archives. Keys are generated at run time, so this
// file holds none.
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "detect/connection_url_detector.h"
#include "detect/decoded_text.h"
#include "detect/media_sniff.h"
#include "engine/blob_scanner.h"
#include "util/text.h"

#include "content_builders.h"
#include "policy_builder.h"

using namespace refguard;
using namespace refguard::testing;

namespace {

std::vector<engine::BlobFinding> scan(std::string_view path, std::string_view content, bool binary = false) {
  return engine::scan_blob(*builtin_policy(), path, "0123456789abcdef0123456789abcdef01234567", content, binary);
}

std::set<std::string> rules_of(const std::vector<engine::BlobFinding>& findings) {
  std::set<std::string> ids;
  for (const auto& f : findings) ids.insert(builtin_policy()->rules()[f.rule].spec.id);
  return ids;
}

bool reports(std::string_view path, std::string_view content, std::string_view rule, bool binary = false) {
  return rules_of(scan(path, content, binary)).contains(std::string(rule));
}

std::string u8(char32_t c) {
  std::string out;
  refguard::append_utf8(out, c);
  return out;
}

}  // namespace

TEST_CASE("private-key: an armour line needs a plausible key body", "[breadth][private_key]") {
  const std::string begin = "-----BEGIN RSA PRIVATE KEY-----\n", end = "-----END RSA PRIVATE KEY-----\n";
  CHECK(reports("deploy/key.pem", begin + pem_body(12, 1) + end, "private-key"));
  CHECK(reports("conf.py", "KEY = \"\"\"" + begin + pem_body(8, 2) + end + "\"\"\"\n", "private-key"));
  CHECK(reports("k.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + pem_body(6, 3) + "-----END ENCRYPTED PRIVATE KEY-----\n",
                "private-key"));
  CHECK(reports("k.txt", "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\nlQOY" + random_chars(kB64, 60, 4) +
                             "\n" + random_chars(kB64, 64, 5) + "\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----\n",
                "private-key"));
  const std::string ssh = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA" + random_chars(kB64, 46, 6) +
                          "\n" + random_chars(kB64, 70, 7) + "\n-----END OPENSSH PRIVATE KEY-----\n";
  CHECK(reports("id_test", ssh, "private-key"));
  // Legacy encrypted PEM: headers, then ciphertext (no DER structure).
  CHECK(reports("enc.pem", begin + "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\n" +
                               random_chars(kAlnum, 64, 8) + "\n" + random_chars(kB64, 64, 9) + "\n" + end,
                "private-key"));
  // Placeholders and constants.
  CHECK_FALSE(reports("k.pem", begin, "private-key"));
  CHECK_FALSE(reports("k.pem", begin + end, "private-key"));
  CHECK_FALSE(reports("k.pem", begin + "...\n" + end, "private-key"));
  CHECK_FALSE(reports("k.pem", begin + "<your private key here>\n" + end, "private-key"));
  CHECK_FALSE(reports("k.pem", begin + "MIIEXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n" + end,
                      "private-key"));
  CHECK_FALSE(reports("parse.py", "HEADER = \"-----BEGIN RSA PRIVATE KEY-----\"\ndef parse(pem):\n    return pem\n",
                      "private-key"));
  CHECK_FALSE(reports("README.md", "Paste your key:\n\n    -----BEGIN RSA PRIVATE KEY-----\n    ...\n    -----END RSA PRIVATE KEY-----\n",
                      "private-key"));
}

TEST_CASE("hidden Unicode is blocked in every kind of source file", "[breadth][unicode]") {
  const std::string rlo = u8(0x202E), lri = u8(0x2066), pdi = u8(0x2069), zwsp = u8(0x200B);
  for (std::string_view path : {"a.c", "b.cpp", "c.cs", "d.csx", "e.go", "f.java", "g.js", "h.ts", "i.py", "j.rs",
                                "k.rb", "l.php", "m.s", "n.sh", "o.swift", "p.kt", "q.lua", "r.vue", "Makefile"}) {
    INFO(path);
    CHECK(reports(path, "if (access != \"user" + rlo + " " + lri + "// admin" + pdi + " " + lri + "\") {}\n",
                  "trojan-source-bidi"));
    CHECK(reports(path, "is" + zwsp + "Admin = check(user)\n", "invisible-unicode-code"));
  }
  // A script without an extension, known by its shebang.
  CHECK(reports("bin/deploy", "#!/bin/sh\necho \"ok" + rlo + "\"\n", "trojan-source-bidi"));
  // The invisible-identifier attack: a Hangul filler as a JavaScript name.
  CHECK(reports("server.js", "const { timeout," + u8(0x3164) + " } = req.query;\n", "invisible-unicode-code"));
  // Not code: prose, data and translation catalogues.
  CHECK_FALSE(reports("README.md", "text " + rlo + " more\n", "trojan-source-bidi"));
  CHECK_FALSE(reports("locale/ar.po", "msgstr \"" + rlo + "\"\n", "trojan-source-bidi"));
}

TEST_CASE("hidden Unicode allowances: RTL literals, emoji, joining scripts", "[breadth][unicode]") {
  const std::string hebrew = u8(0x05E9) + u8(0x05DC) + u8(0x05D5) + u8(0x05DD);
  // A closed isolate or embedding around Hebrew text in a string literal.
  CHECK_FALSE(reports("greet.py", "msg = \"" + u8(0x2067) + hebrew + u8(0x2069) + "\"\n", "trojan-source-bidi"));
  CHECK_FALSE(reports("greet.js", "const m = '" + u8(0x202B) + hebrew + u8(0x202C) + "';\n", "trojan-source-bidi"));
  // The same controls around ASCII code reorder it: blocked.
  CHECK(reports("greet.py", "msg = \"" + u8(0x2067) + "return" + u8(0x2069) + "\"\n", "trojan-source-bidi"));
  // An override is never legitimate, even around Hebrew.
  CHECK(reports("greet.py", "msg = \"" + u8(0x202E) + hebrew + u8(0x202C) + "\"\n", "trojan-source-bidi"));
  // Emoji ZWJ sequences and Persian ZWNJ in strings.
  CHECK_FALSE(reports("ui.ts", "const family = \"" + u8(0x1F468) + u8(0x200D) + u8(0x1F469) + "\";\n",
                      "invisible-unicode-code"));
  CHECK_FALSE(reports("fa.py", "word = \"" + u8(0x0645) + u8(0x06CC) + u8(0x200C) + u8(0x062E) + "\"\n",
                      "invisible-unicode-code"));
}

TEST_CASE("a zero-width space writing \"*/*\" inside a comment is the known idiom, elsewhere it blocks",
          "[breadth][unicode]") {
  const std::string zwsp = u8(0x200B);
  // Seen in @mastra/core's JSDoc: "`*` or `*<ZWSP>/*` - match anything".
  CHECK_FALSE(reports("src/glob.ts", "/**\n * - `*` or `*" + zwsp + "/*` match anything\n */\nexport {};\n",
                      "invisible-unicode-code"));
  // Not the idiom: the comment looks closed and the code after it looks live.
  CHECK(reports("src/auth.ts", "/* check *" + zwsp + "/ if (!admin) return;\n", "invisible-unicode-code"));
  CHECK(reports("src/auth.ts", "const is" + zwsp + "Admin = true;\n", "invisible-unicode-code"));
}

TEST_CASE("bidi in a notebook's output text is not code; in a code cell it is", "[breadth][unicode]") {
  const std::string rle = u8(0x202B), rlo = u8(0x202E);
  std::string output_notebook =
      R"({"cells":[{"cell_type":"code","source":["print(page)\n"],"outputs":[{"output_type":"stream","name":"stdout","text":["Scraped )" +
      rle + R"( text\n"]}],"metadata":{},"execution_count":1}],"metadata":{},"nbformat":4,"nbformat_minor":5})";
  CHECK_FALSE(reports("scrape.ipynb", output_notebook, "trojan-source-bidi"));
  std::string code_notebook = R"({"cells":[{"cell_type":"code","source":["x = \"user)" + rlo +
                              R"(\"\n"],"outputs":[],"metadata":{},"execution_count":1}],"metadata":{},"nbformat":4,"nbformat_minor":5})";
  CHECK(reports("attack.ipynb", code_notebook, "trojan-source-bidi"));
  std::string markdown_notebook = R"({"cells":[{"cell_type":"markdown","source":["# )" + rle +
                                  R"( notes\n"],"metadata":{}}],"metadata":{},"nbformat":4,"nbformat_minor":5})";
  CHECK_FALSE(reports("notes.ipynb", markdown_notebook, "trojan-source-bidi"));
}

TEST_CASE("agent instruction files are known by name anywhere and by front matter", "[breadth][unicode]") {
  const std::string zwsp = u8(0x200B);
  for (std::string_view path : {"rules/security.mdc", "docs/cursor/rules/style.mdc", ".cursor/rules/a.mdc",
                                "packages/web/AGENTS.md", "sub/.github/copilot-instructions.md",
                                ".github/instructions/py.instructions.md", "x/.windsurf/rules/r.md", "CLAUDE.md"}) {
    INFO(path);
    CHECK(reports(path, "Always run tests" + zwsp + " before committing.\n", "hidden-unicode-agent-files"));
  }
  CHECK(reports("guidelines/review.md", "---\ndescription: Review rules\nglobs: \"**/*.ts\"\nalwaysApply: false\n---\nBe" +
                                            zwsp + " strict.\n",
                "hidden-unicode-agent-files"));
  CHECK_FALSE(reports("docs/notes.md", "Plain notes" + zwsp + " here.\n", "hidden-unicode-agent-files"));
}

TEST_CASE("confusable identifiers: mixed scripts and shadowed names (ICU skeletons)", "[breadth][confusable]") {
  const std::string cyrillic_a = u8(0x0430);
  CHECK(reports("pay.py", "def p" + cyrillic_a + "ypal(amount):\n    return amount\n", "confusable-identifier"));
  CHECK(reports("auth.js", "function is" + u8(0x0410) + "dmin(u) { return true; }\n", "confusable-identifier"));
  // All-Cyrillic "сору" reads as "copy", a name the file uses.
  std::string copy = u8(0x0441) + u8(0x043E) + u8(0x0440) + u8(0x0443);
  CHECK(reports("util.py", "def copy(x):\n    return x\n\ndef " + copy + "(x):\n    return evil(x)\n",
                "confusable-identifier"));
  // Legitimate: Greek maths, a Russian identifier that reads as nothing else, Turkish Latin letters, strings.
  CHECK_FALSE(reports("phys.py", u8(0x0394) + "t = 0.1\n" + u8(0x03B1) + " = 2\n", "confusable-identifier"));
  CHECK_FALSE(reports("ru.py", u8(0x0441) + u8(0x0447) + u8(0x0451) + u8(0x0442) + " = 1\n", "confusable-identifier"));
  CHECK_FALSE(reports("tr.py", "kullan" + u8(0x0131) + "c" + u8(0x0131) + " = 1\n", "confusable-identifier"));
  CHECK_FALSE(reports("msg.py", "print(\"p" + cyrillic_a + "ypal\")  # p" + cyrillic_a + "ypal\n", "confusable-identifier"));
}

TEST_CASE("confusable identifiers: a string whose last byte is a backslash ends the scan in bounds",
          "[breadth][confusable]") {
  // Found by fuzz_decoded_text: an escape at the very end of a blob made the
  // lexer read one byte past it. The buffer here is exactly the content's
  // size, so AddressSanitizer sees any read beyond it.
  for (std::string_view text : {"x = \"p\xD0\xB0y\\", "s = '\\", "`\\"}) {
    INFO(text);
    auto exact = std::make_unique<char[]>(text.size());
    std::copy(text.begin(), text.end(), exact.get());
    CHECK_FALSE(reports("tail.js", std::string_view(exact.get(), text.size()), "confusable-identifier"));
  }
  std::string tail = "def p" + u8(0x0430) + "ypal(): pass\nx = \"\\";
  auto exact = std::make_unique<char[]>(tail.size());
  std::copy(tail.begin(), tail.end(), exact.get());
  CHECK(reports("tail.py", std::string_view(exact.get(), tail.size()), "confusable-identifier"));
}

TEST_CASE("env templates are not blocked like real env files", "[breadth][files]") {
  for (std::string_view path : {".env.default", ".env.defaults", ".env.example", ".env.local.example",
                                ".env.template", ".env.sample", ".env.dist", "app/.env.tpl"}) {
    INFO(path);
    CHECK_FALSE(reports(path, "OPENAI_API_KEY=\n", "committed-env-file"));
  }
  for (std::string_view path : {".env", ".env.local", ".env.production", "app/.env"}) {
    INFO(path);
    CHECK(reports(path, "DEBUG=1\n", "committed-env-file"));
  }
}

TEST_CASE("database URLs: throwaway credentials on local and example hosts pass", "[breadth][connection_url]") {
  using detect::is_non_production_host;
  using detect::is_throwaway_password;
  CHECK(is_non_production_host("localhost"));
  CHECK(is_non_production_host("127.0.0.1"));
  CHECK(is_non_production_host("[::1]"));
  CHECK(is_non_production_host("db.example"));
  CHECK(is_non_production_host("shop.example.com"));
  CHECK(is_non_production_host("api.test"));
  CHECK(is_non_production_host("postgres"));
  CHECK_FALSE(is_non_production_host("db.prod.internal.net"));
  CHECK_FALSE(is_non_production_host("examples.com"));
  CHECK_FALSE(is_non_production_host("10.0.0.5"));
  CHECK(is_throwaway_password("testpwd", "testuser"));
  CHECK(is_throwaway_password("mongodb_password", "mongodb_user"));
  CHECK(is_throwaway_password("userpass", "username"));
  CHECK(is_throwaway_password("postgres", "postgres"));
  CHECK_FALSE(is_throwaway_password("Xk9vQ2mLp7Rt4wZa", "app"));
}

TEST_CASE("database URLs: an '@' escaped for Markdown does not end the password", "[breadth][connection_url]") {
  // Seen in @mastra/core's docs: the same placeholder as unescaped URLs,
  // which pass, and a real password escaped the same way is still found.
  CHECK_FALSE(reports("docs/mongo.md", "Set `mongodb+srv://user:password\\@cluster.mongodb.net/db`\n",
                      "database-url-password"));
  CHECK_FALSE(reports("docs/mongo.md", "Set `mongodb+srv://user:password@cluster.mongodb.net/db`\n",
                      "database-url-password"));
  auto findings = scan("docs/mongo.md", "Set `mongodb+srv://app:Xk9vQ2mLp7Rt4wZa\\@cluster.mongodb.net/db`\n");
  REQUIRE(rules_of(findings).contains("database-url-password"));
  for (const auto& f : findings) CHECK(f.masked.find('\\') == std::string::npos);
}

TEST_CASE("UTF-16 files, with and without a BOM, are scanned for keys", "[breadth][encodings]") {
  const std::string line = "token = \"" + github_token(11) + "\"\n";
  for (bool le : {true, false})
    for (bool bom : {true, false}) {
      INFO("little endian " << le << ", BOM " << bom);
      auto findings = scan("config/settings.ini", utf16("[auth]\n" + line, le, bom), true);
      CHECK(rules_of(findings).contains("github-token"));
      for (const auto& f : findings) CHECK(f.where.find("UTF-16") != std::string::npos);
    }
}

TEST_CASE("text runs in binary files are scanned for keys", "[breadth][encodings]") {
  std::string blob = std::string("\x7F" "ELF\2\1\1\0\0\0", 10) + std::string(64, '\0') + "TOKEN=" + github_token(12) +
                     std::string(32, '\0') + "\x01\x02";
  auto findings = scan("bin/tool", blob, true);
  REQUIRE(rules_of(findings).contains("github-token"));
  CHECK(findings.front().line == 0);
  // UTF-16LE strings inside a binary (Windows resources) as well.
  std::string pe = std::string("MZ\x90\0", 4) + std::string(40, '\0') + utf16("key=" + github_token(13), true, false) +
                   std::string(8, '\0');
  CHECK(reports("app.exe", pe, "github-token", true));
}

TEST_CASE("keys in base64 runs are decoded and found on their line", "[breadth][encodings]") {
  std::string secret_yaml = "apiVersion: v1\nkind: Secret\ndata:\n  token: " + base64("GITHUB_TOKEN=" + github_token(14)) + "\n";
  auto findings = scan("k8s/secret.yaml", secret_yaml);
  REQUIRE(rules_of(findings).contains("github-token"));
  for (const auto& f : findings) CHECK(f.line == 4);
  // Binary data in base64 (an image) decodes to nothing worth scanning.
  std::string image = "icon: " + base64(std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) + std::string(64, '\x01')) + "\n";
  CHECK(scan("ui/icon.yaml", image).empty());
}

TEST_CASE("base64 runs: every run of the minimum length is found, wherever it starts", "[breadth][encodings]") {
  // A reference: every maximal run of the alphabet, byte by byte.
  auto reference = [](std::string_view text, size_t min_run) {
    std::vector<std::pair<size_t, size_t>> runs;
    auto in_alphabet = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("+/-_").find(c) != std::string_view::npos; };
    for (size_t i = 0; i < text.size();) {
      size_t j = i;
      while (j < text.size() && in_alphabet(text[j])) ++j;
      if (j - i >= min_run) runs.emplace_back(i, j);
      i = j == i ? i + 1 : j;
    }
    return runs;
  };
  std::mt19937_64 rng(7);
  for (size_t min_run : {32, 40, 8}) {
    detect::DecodeLimits limits;
    limits.min_base64_run = min_run;
    for (int round = 0; round < 300; ++round) {
      // Base64 of text at random offsets and lengths (some one short of the
      // minimum), between words, spaces and line ends.
      std::string text;
      std::vector<std::pair<size_t, size_t>> planted;
      while (text.size() < 600) {
        text += std::string(rng() % 20, " .\n=,"[rng() % 6]);
        size_t length = min_run - 1 + rng() % 40;
        std::string encoded = base64(random_chars(kAlnum, length, rng())).substr(0, length);
        while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
        text += encoded;
      }
      std::vector<std::pair<size_t, size_t>> found;
      for (const auto& run : detect::base64_runs(text, limits)) found.emplace_back(run.column, run.text.size());
      std::vector<std::pair<size_t, size_t>> expected;
      for (auto [begin, end] : reference(text, min_run)) {
        std::string decoded = detect::base64_runs(text.substr(begin, end - begin), limits).empty() ? "" : "x";
        if (!decoded.empty()) expected.emplace_back(begin, 0);
      }
      INFO("min_run " << min_run << ", round " << round << ": " << text);
      REQUIRE(found.size() == expected.size());
      for (size_t i = 0; i < found.size(); ++i) CHECK(found[i].first == expected[i].first);
    }
  }
}

TEST_CASE("compressed media costs a header sniff: its bytes are not searched for text", "[breadth][encodings]") {
  using detect::compressed_media_format;
  CHECK(compressed_media_format(std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)) == "PNG");
  CHECK(compressed_media_format("\xff\xd8\xff\xe0\x00\x10JFIF") == "JPEG");
  CHECK(compressed_media_format(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)) == "WebP");
  CHECK(compressed_media_format(std::string("RIFF\x10\0\0\0WAVEfmt ", 16)) == std::nullopt);  // raw PCM: searched
  CHECK(compressed_media_format(std::string("\0\0\0\x20" "ftypisom", 12)) == "MP4/QuickTime");
  CHECK(compressed_media_format("wOF2\0\1\0\0") == "WOFF2");
  CHECK(compressed_media_format("BM6\0\0\0") == std::nullopt);  // BMP is not compressed
  CHECK(compressed_media_format("%PDF-1.7") == std::nullopt);
  CHECK(compressed_media_format("") == std::nullopt);

  const std::string key_line = "\nOPENAI_API_KEY=" + std::string("sk-proj-") + random_chars(kAlnum, 48, 21) + "\n";
  std::string noise = std::string("\0\x01\x02\x03", 4) + random_chars(kB64, 64, 22) + std::string(8, '\0');
  // The same bytes after a binary header refguard does not know are searched,
  // after a PNG signature they are not.
  std::string unknown = std::string("\x7f\x01\x02\x03\0\0\0\0", 8) + noise + key_line + noise;
  std::string png = std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) + noise + key_line + noise;
  CHECK(reports("assets/blob.bin", unknown, "openai-api-key", true));
  CHECK_FALSE(reports("assets/logo.png", png, "openai-api-key", true));
  // A text file is text whatever its name: a key in "notes.png" is found.
  CHECK(reports("assets/notes.png", key_line, "openai-api-key"));
}

TEST_CASE("keys in gzip, tar and tar.gz members are found", "[breadth][encodings]") {
  std::string env = "OPENAI_BASE=x\nGH=" + github_token(15) + "\n";
  auto gz = scan("backup/env.gz", gzip(env), true);
  REQUIRE(rules_of(gz).contains("github-token"));
  CHECK(gz.front().where.find("archive member") != std::string::npos);
  std::string tar = tar_member("conf/app.env", env) + std::string(1024, '\0');
  CHECK(reports("backup/conf.tar", tar, "github-token", true));
  auto tgz = scan("backup/conf.tar.gz", gzip(tar), true);
  REQUIRE(rules_of(tgz).contains("github-token"));
  CHECK(tgz.front().where.find("conf/app.env") != std::string::npos);
}

TEST_CASE("archive reading is bounded: a gzip bomb stops at the output limit", "[breadth][encodings]") {
  std::string bomb = gzip(std::string(64u << 20, 'A'));
  size_t seen = 0;
  detect::for_each_archive_member(bomb, [&](std::string_view, std::string_view bytes) { seen += bytes.size(); });
  CHECK(seen <= detect::DecodeLimits{}.max_member_bytes);
}

TEST_CASE("agent-code-execution-tool warns once per file, not in tests, not on AutoGen settings", "[breadth][rules]") {
  const std::string code = "from langchain_experimental.tools import PythonREPLTool\n"
                           "tools = [PythonREPLTool()]\n"
                           "more = [PythonREPLTool()]\n"
                           "config = {\"use_docker\": False}\n";
  size_t warnings = 0;
  for (const auto& f : scan("agent/tools.py", code))
    if (builtin_policy()->rules()[f.rule].spec.id == "agent-code-execution-tool") ++warnings;
  CHECK(warnings == 1);
  CHECK_FALSE(reports("tests/test_tools.py", code, "agent-code-execution-tool"));
  CHECK_FALSE(reports("agent/settings.py", "code_execution_config={\"work_dir\": \"coding\", \"use_docker\": False}\n",
                      "agent-code-execution-tool"));
}

TEST_CASE("text that parses as a pickle but cannot load is not a pickle", "[breadth][model]") {
  // LangChain's dist/*.cjs start "const x = require('../y.cjs');": 'c' is
  // GLOBAL, and the bytes after it may parse through to a STOP ('.'), but the
  // first global names no importable module, so pickle.load fails right there.
  const std::string js = "const require_runtime = require('../runtime.cjs');\nconst helpers = 1;\n.";
  CHECK_FALSE(reports("dist/index.cjs", js, "unsafe-pickle-model"));
  CHECK_FALSE(reports("dist/index.cjs", "cnot a module\nnor a name\n.", "unsafe-pickle-model"));
  // A file named a pickle is judged as always.
  CHECK(reports("model.pkl", "cnot a module\nnor a name\n.", "unsafe-pickle-model"));
  // Real pickles in text files are still found, and a bad global after a
  // call does not hide the call that ran before it.
  CHECK(reports("notes.txt", "cos\nsystem\n(S'id'\ntR.", "unsafe-pickle-model"));
  CHECK(reports("notes.txt", "cos\nsystem\n(S'id'\ntR0cnot a module\nx y\n.", "unsafe-pickle-model"));
  CHECK(reports("notes.txt", "cmymodule\nHelper\n.", "unsafe-pickle-model"));  // unknown but importable: warned
}
