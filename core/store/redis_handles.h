#pragma once

// Private to txpulse_core's .cpp files: hiredis handles as unique_ptrs, and the one function that turns
// hiredis failures into txpulse::Error. Never include this from a public header.

#include "support/error.h"

#include <hiredis/hiredis.h>

#include <QByteArrayView>

#include <cerrno>
#include <memory>

namespace txpulse::redis {

struct ContextDeleter {
    void operator()(redisContext *c) const noexcept
    {
        if (c)
            redisFree(c);
    }
};
struct ReplyDeleter {
    void operator()(redisReply *r) const noexcept
    {
        if (r)
            freeReplyObject(r);
    }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// The one translation of hiredis failures: either a context error (`contextErr` != 0, REDIS_ERR_*) or an
// error reply from the server (`errorReply`, e.g. "NOSCRIPT No matching script"). Transport failures (IO,
// EOF, timeouts, protocol desync) are retriable after a reconnect; so are server states that pass by
// themselves (LOADING, BUSY, TRYAGAIN, MASTERDOWN, READONLY after a failover, OOM while keys expire).
//
// `sysErrno` is errno as it was right after the failing hiredis call. A timeout is told by code and errno, as
// redis-plus-plus does, never by `contextErrstr` (strerror's text, which depends on the C library and the
// locale): hiredis 0.14 reports a command timeout as REDIS_ERR_IO with EAGAIN/EWOULDBLOCK (SO_RCVTIMEO or
// SO_SNDTIMEO ran out) and a connect timeout as REDIS_ERR_IO with ETIMEDOUT; hiredis >= 1.0 has
// REDIS_ERR_TIMEOUT for both. The text only goes into the message.
inline Error translateError(int contextErr, int sysErrno, const char *contextErrstr, QByteArrayView errorReply = {})
{
    if (contextErr != 0) {
        const QString detail = QString::fromLocal8Bit(contextErrstr ? contextErrstr : "");
        const auto timedOut = [&detail] {
            return Error{QStringLiteral("redis.timeout"), QStringLiteral("Redis timed out: ") + detail, true};
        };
        switch (contextErr) {
        case REDIS_ERR_IO:
            if (sysErrno == EAGAIN || sysErrno == EWOULDBLOCK || sysErrno == ETIMEDOUT)
                return timedOut();
            return Error{QStringLiteral("redis.io"), QStringLiteral("Redis I/O error: ") + detail, true};
#ifdef REDIS_ERR_TIMEOUT
        case REDIS_ERR_TIMEOUT:
            return timedOut();
#endif
        case REDIS_ERR_EOF:
            return Error{QStringLiteral("redis.eof"), QStringLiteral("Redis closed the connection: ") + detail, true};
        case REDIS_ERR_PROTOCOL:
            return Error{QStringLiteral("redis.protocol"), QStringLiteral("Redis protocol error: ") + detail, true};
        case REDIS_ERR_OOM:
            return Error{QStringLiteral("redis.oom"), QStringLiteral("out of memory in hiredis: ") + detail, false};
        default:
            return Error{QStringLiteral("redis.other"), QStringLiteral("Redis error: ") + detail, true};
        }
    }
    const QString text = QString::fromUtf8(errorReply.data(), errorReply.size());
    const QString kind = text.section(QLatin1Char(' '), 0, 0);
    if (kind == QLatin1String("NOSCRIPT"))
        return Error{QStringLiteral("redis.noscript"), text, true};
    if (kind == QLatin1String("NOAUTH") || kind == QLatin1String("WRONGPASS") || kind == QLatin1String("NOPERM"))
        return Error{QStringLiteral("redis.auth"), QStringLiteral("Redis refused: ") + text, false};
    const bool transient = kind == QLatin1String("LOADING") || kind == QLatin1String("BUSY")
        || kind == QLatin1String("TRYAGAIN") || kind == QLatin1String("MASTERDOWN")
        || kind == QLatin1String("READONLY") || kind == QLatin1String("OOM")
        || kind == QLatin1String("CLUSTERDOWN");
    return Error{QStringLiteral("redis.reply"), QStringLiteral("Redis replied: ") + text, transient};
}

} // namespace txpulse::redis
