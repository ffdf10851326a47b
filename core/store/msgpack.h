#pragma once

// The msgpack that Redis' cmsgpack reads back in the Lua scripts (big-endian, smallest form): what RedisStore
// and the aggregates' Redis parts pack into script arguments.

#include <cstdint>
#include <string>
#include <string_view>

namespace txpulse::msgpack {

inline void header(std::string &out, std::uint64_t n, unsigned char fix, std::uint64_t fixMax, unsigned char c8,
                   unsigned char c16, unsigned char c32)
{
    auto be = [&out](std::uint64_t v, int bytes) {
        for (int b = bytes - 1; b >= 0; --b)
            out.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
    };
    if (n <= fixMax) {
        out.push_back(static_cast<char>(fix | n));
    } else if (c8 != 0 && n <= 0xff) {
        out.push_back(static_cast<char>(c8));
        be(n, 1);
    } else if (n <= 0xffff) {
        out.push_back(static_cast<char>(c16));
        be(n, 2);
    } else {
        out.push_back(static_cast<char>(c32));
        be(n, 4);
    }
}

inline void array(std::string &out, std::size_t n)
{
    header(out, n, 0x90, 15, 0, 0xdc, 0xdd);
}

inline void string(std::string &out, std::string_view s)
{
    header(out, s.size(), 0xa0, 31, 0xd9, 0xda, 0xdb);
    out.append(s);
}

inline void unsignedInt(std::string &out, std::uint64_t v)
{
    if (v > 0xffffffffu) {
        out.push_back(static_cast<char>(0xcf));
        for (int b = 7; b >= 0; --b)
            out.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
    } else {
        header(out, v, 0x00, 0x7f, 0xcc, 0xcd, 0xce);
    }
}

} // namespace txpulse::msgpack
