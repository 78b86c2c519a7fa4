#pragma once
// Test content made at run time: key material in real formats (so that test
// files hold no key) and the encodings and containers the scanner decodes
// (UTF-16, base64, gzip, tar).
#include <catch2/catch.hpp>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>

namespace refguard::testing {

inline std::string random_chars(std::string_view alphabet, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out;
  for (size_t i = 0; i < n; ++i) out += alphabet[rng() % alphabet.size()];
  return out;
}

inline const std::string kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
inline const std::string kAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// A GitHub token in the real format (36 alphanumerics after "ghp_").
inline std::string github_token(uint64_t seed) { return std::string("gh") + "p_" + random_chars(kAlnum, 36, seed); }

// A PEM body: 64-character lines of random base64 starting like DER ("MIIE").
inline std::string pem_body(size_t lines, uint64_t seed) {
  std::string body = "MIIE" + random_chars(kB64, 60, seed) + "\n";
  for (size_t i = 1; i < lines; ++i) body += random_chars(kB64, 64, seed + i) + "\n";
  return body;
}

inline std::string utf16(std::string_view ascii, bool little_endian, bool bom) {
  std::string out;
  if (bom) out += little_endian ? std::string("\xFF\xFE") : std::string("\xFE\xFF");
  for (char c : ascii) {
    if (little_endian) out += std::string{c, '\0'};
    else out += std::string{'\0', c};
  }
  return out;
}

inline std::string base64(std::string_view bytes) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                 static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                 static_cast<unsigned char>(bytes[i + 2]);
    for (int k = 3; k >= 0; --k) out += kB64[(n >> (6 * k)) & 63];
  }
  if (i < bytes.size()) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kB64[(n >> 18) & 63];
    out += kB64[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kB64[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

inline std::string gzip(std::string_view data) {
  z_stream stream{};
  REQUIRE(deflateInit2(&stream, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(data.size() + 1024, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&stream, Z_FINISH) == Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

inline std::string tar_member(const std::string& name, std::string_view data) {
  std::string header(512, '\0');
  header.replace(0, name.size(), name);
  char size[12];
  std::snprintf(size, sizeof size, "%011o", static_cast<unsigned>(data.size()));
  header.replace(124, 11, size);
  header[156] = '0';
  header.replace(257, 5, "ustar");
  std::string out = header + std::string(data);
  out.resize((out.size() + 511) / 512 * 512, '\0');
  return out;
}

}  // namespace refguard::testing
