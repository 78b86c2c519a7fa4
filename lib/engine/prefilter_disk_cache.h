#pragma once
// Compiled Vectorscan databases kept on disk between runs of the CLI.
// Compiling the built-in policy's one-pass database is most of what
// `refguard scan` and the inline fail mode (`refguard check`) spend before
// reading anything (~140 ms of ~200 here); loading it back costs a file
// read. An entry holds the exact compiler inputs it was built from and is
// used only for the same inputs, byte for byte (never on a hash alone: a
// policy crafted to collide must not borrow another policy's database);
// anything unreadable, foreign or stale is compiled again and replaced.
// Off unless a directory is set (the daemon compiles once per policy and
// keeps it in memory).
#include <hs/hs.h>

#include <string>
#include <string_view>

namespace refguard::engine {

/// Where databases are kept from now on, for this process; "" turns it off.
/// The directory is created (0700) when a database is first stored, and used
/// only while it belongs to this user and no one else may write to it.
void set_prefilter_disk_cache(const std::string& directory);

/// The directory the CLI uses: $XDG_CACHE_HOME/refguard, else
/// $HOME/.cache/refguard, where that directory belongs to this user; ""
/// when neither does, or REFGUARD_NO_CACHE is set.
std::string default_prefilter_disk_cache();

/// The database built before from exactly `inputs`, or null. The caller owns it.
hs_database_t* load_prefilter_database(std::string_view inputs);

/// Keeps `database`, built from `inputs` (best effort: a failure only costs
/// the next run a compile). At most a few dozen entries are kept: the
/// least recently written go first.
void store_prefilter_database(std::string_view inputs, const hs_database_t* database);

}  // namespace refguard::engine
