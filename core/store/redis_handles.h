#pragma once

// Private to txpulse_core's .cpp files: hiredis handles as unique_ptrs, and the one function that turns
// hiredis failures into txpulse::Error. Never include this from a public header.

#include "support/error.h"

#include <hiredis/hiredis.h>

#include <QByteArrayView>

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
inline Error translateError(int contextErr, const char *contextErrstr, QByteArrayView errorReply = {})
{
    if (contextErr != 0) {
        const QString detail = QString::fromLocal8Bit(contextErrstr ? contextErrstr : "");
        switch (contextErr) {
        case REDIS_ERR_IO:
            if (detail.contains(QLatin1String("temporarily unavailable"), Qt::CaseInsensitive)
                || detail.contains(QLatin1String("timed out"), Qt::CaseInsensitive))
                return Error{QStringLiteral("redis.timeout"), QStringLiteral("Redis timed out: ") + detail, true};
            return Error{QStringLiteral("redis.io"), QStringLiteral("Redis I/O error: ") + detail, true};
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
