#pragma once

#include "support/error.h"
#include "store/redis_url.h"

#include <QByteArray>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace txpulse {

// One Redis reply as a plain value (RESP2: what hiredis 0.14 speaks).
struct RedisReply {
    enum class Type { Nil, String, Status, Integer, Array, Error };
    Type type = Type::Nil;
    std::int64_t integer = 0;         // Integer
    QByteArray str;                   // String, Status, Error (the server's message)
    std::vector<RedisReply> elements; // Array

    bool isError() const { return type == Type::Error; }
    // The reply as a txpulse::Error (for Type::Error replies), classified like transport errors.
    txpulse::Error toError() const;
    // String or Integer replies as a number; `fallback` for Nil or anything unparsable.
    std::int64_t toInt(std::int64_t fallback = 0) const;
};

// One command's arguments, binary-safe, packed into one buffer (a 500-transaction script call has thousands
// of arguments; one allocation instead of thousands).
class RedisCommand {
public:
    RedisCommand() = default;
    RedisCommand(std::initializer_list<std::string_view> args)
    {
        for (auto a : args)
            arg(a);
    }
    RedisCommand &arg(std::string_view a)
    {
        m_buf.append(a);
        m_ends.push_back(m_buf.size());
        return *this;
    }
    RedisCommand &arg(const char *a) { return arg(std::string_view(a)); }
    RedisCommand &arg(const std::string &a) { return arg(std::string_view(a)); }
    RedisCommand &arg(const QByteArray &a) { return arg(std::string_view(a.constData(), std::size_t(a.size()))); }
    RedisCommand &argInt(std::int64_t v) { return arg(std::to_string(v)); }
    std::size_t size() const { return m_ends.size(); }
    std::string_view at(std::size_t i) const
    {
        const std::size_t begin = i == 0 ? 0 : m_ends[i - 1];
        return std::string_view(m_buf).substr(begin, m_ends[i] - begin);
    }

private:
    std::string m_buf;
    std::vector<std::size_t> m_ends;
};

// A synchronous connection to one Redis (hiredis 0.14): connect and command timeouts, AUTH (with a user for
// Redis 6 ACLs) and SELECT, pipelining. After a transport error the failing call returns it (retriable) and
// the next call reconnects first, so callers simply retry.
//
// Move-only; not thread-safe: one connection belongs to one worker thread (STYLE: one redisContext per
// worker). The destructor closes the socket.
class RedisConnection {
public:
    struct Timeouts {
        int connectMs = 2000;
        int commandMs = 5000;
    };

    static Expected<RedisConnection> open(const RedisUrl &url, Timeouts timeouts);
    static Expected<RedisConnection> open(const RedisUrl &url) { return open(url, Timeouts{}); }

    RedisConnection(RedisConnection &&) noexcept;
    RedisConnection &operator=(RedisConnection &&) noexcept;
    ~RedisConnection();

    // One command, one round trip. A Redis error reply is returned as an Error.
    Expected<RedisReply> command(const RedisCommand &cmd);
    // All commands in one round trip; error replies stay in place as RedisReply::Type::Error elements, a
    // transport failure fails the whole call.
    Expected<std::vector<RedisReply>> pipeline(const std::vector<RedisCommand> &cmds);

    bool isConnected() const;
    Expected<void> reconnect();
    void close();
    const RedisUrl &url() const;

private:
    struct Impl;
    explicit RedisConnection(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

} // namespace txpulse
