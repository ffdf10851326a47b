#include "store/redis_connection.h"

#include "support/logging.h"
#include "store/redis_handles.h"

#include <cerrno>

#include <sys/time.h>

namespace txpulse {

namespace {

timeval toTimeval(int ms)
{
    timeval tv{};
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    return tv;
}

RedisReply convert(const redisReply *r)
{
    RedisReply out;
    if (!r)
        return out;
    const auto text = [&out, r](RedisReply::Type type) {
        out.type = type;
        out.str = QByteArray(r->str, static_cast<qsizetype>(r->len));
    };
    switch (r->type) {
    case REDIS_REPLY_STRING: text(RedisReply::Type::String); break;
    case REDIS_REPLY_STATUS: text(RedisReply::Type::Status); break;
    case REDIS_REPLY_ERROR: text(RedisReply::Type::Error); break;
    case REDIS_REPLY_INTEGER:
        out.type = RedisReply::Type::Integer;
        out.integer = r->integer;
        break;
    case REDIS_REPLY_ARRAY:
        out.type = RedisReply::Type::Array;
        out.elements.reserve(r->elements);
        for (std::size_t i = 0; i < r->elements; ++i)
            out.elements.push_back(convert(r->element[i]));
        break;
    default:
        out.type = RedisReply::Type::Nil;
        break;
    }
    return out;
}

} // namespace

Error RedisReply::toError() const
{
    return redis::translateError(0, 0, nullptr, QByteArrayView(str));
}

std::int64_t RedisReply::toInt(std::int64_t fallback) const
{
    if (type == Type::Integer)
        return integer;
    if (type == Type::String || type == Type::Status) {
        bool ok = false;
        const qlonglong v = str.toLongLong(&ok);
        if (ok)
            return v;
        const double d = str.toDouble(&ok); // ZSET scores come back as "1e+15"-style doubles
        if (ok)
            return static_cast<std::int64_t>(d);
    }
    return fallback;
}

struct RedisConnection::Impl {
    RedisUrl url;
    Timeouts timeouts;
    std::vector<const char *> argv; // scratch for redisAppendCommandArgv
    std::vector<std::size_t> argl;
    redis::ContextPtr ctx;          // last: destroyed first

    // `sysErrno`: errno read right after the failing hiredis call, before anything else can change it.
    Error contextError(int sysErrno) const { return redis::translateError(ctx->err, sysErrno, ctx->errstr); }

    Expected<void> connect()
    {
        ctx.reset();
        const timeval ct = toTimeval(timeouts.connectMs);
        redis::ContextPtr c(url.kind == RedisUrl::Kind::Unix
                                ? redisConnectUnixWithTimeout(url.socketPath.toLocal8Bit().constData(), ct)
                                : redisConnectWithTimeout(url.host.toUtf8().constData(), url.port, ct));
        const int connectErrno = errno;
        if (!c)
            return Error{QStringLiteral("redis.oom"), QStringLiteral("cannot allocate a Redis context"), false};
        if (c->err) {
            Error e = redis::translateError(c->err, connectErrno, c->errstr);
            e.message = QStringLiteral("cannot connect to %1: %2").arg(url.masked(), e.message);
            return e;
        }
        if (redisSetTimeout(c.get(), toTimeval(timeouts.commandMs)) != REDIS_OK)
            return redis::translateError(c->err, errno, c->errstr);
        if (url.kind == RedisUrl::Kind::Tcp)
            redisEnableKeepAlive(c.get());
        ctx = std::move(c);

        if (!url.password.isEmpty()) {
            RedisCommand auth{"AUTH"};
            if (!url.user.isEmpty())
                auth.arg(url.user.toUtf8());
            auth.arg(url.password.toUtf8());
            auto r = run(auth);
            if (!r) {
                ctx.reset();
                return r.error();
            }
        }
        if (url.db != 0) {
            RedisCommand select{"SELECT"};
            select.argInt(url.db);
            auto r = run(select);
            if (!r) {
                ctx.reset();
                return r.error();
            }
        }
        qCDebug(lcRedis) << "connected to" << url.masked();
        return {};
    }

    bool append(const RedisCommand &cmd)
    {
        argv.resize(cmd.size());
        argl.resize(cmd.size());
        for (std::size_t i = 0; i < cmd.size(); ++i) {
            const auto a = cmd.at(i);
            argv[i] = a.data();
            argl[i] = a.size();
        }
        return redisAppendCommandArgv(ctx.get(), static_cast<int>(cmd.size()), argv.data(), argl.data()) == REDIS_OK;
    }

    // Reads one reply; on a transport failure drops the context (the next call reconnects).
    Expected<RedisReply> readReply()
    {
        void *raw = nullptr;
        if (redisGetReply(ctx.get(), &raw) != REDIS_OK) {
            Error e = contextError(errno);
            ctx.reset();
            return e;
        }
        redis::ReplyPtr reply(static_cast<redisReply *>(raw));
        return convert(reply.get());
    }

    Expected<RedisReply> run(const RedisCommand &cmd)
    {
        auto replies = runAll(&cmd, 1);
        if (!replies)
            return replies.error();
        RedisReply &r = replies->front();
        if (r.isError())
            return r.toError();
        return std::move(r);
    }

    Expected<std::vector<RedisReply>> runAll(const RedisCommand *cmds, std::size_t n)
    {
        if (!ctx) {
            auto c = connect();
            if (!c)
                return c.error();
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (!append(cmds[i])) {
                Error e = contextError(errno);
                ctx.reset();
                return e;
            }
        }
        std::vector<RedisReply> out;
        out.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            auto r = readReply();
            if (!r)
                return r.error();
            out.push_back(std::move(*r));
        }
        return out;
    }
};

RedisConnection::RedisConnection(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
RedisConnection::RedisConnection(RedisConnection &&) noexcept = default;
RedisConnection &RedisConnection::operator=(RedisConnection &&) noexcept = default;
RedisConnection::~RedisConnection() = default;

Expected<RedisConnection> RedisConnection::open(const RedisUrl &url, Timeouts timeouts)
{
    auto impl = std::make_unique<Impl>();
    impl->url = url;
    impl->timeouts = timeouts;
    auto c = impl->connect();
    if (!c)
        return c.error();
    return RedisConnection(std::move(impl));
}

Expected<RedisReply> RedisConnection::command(const RedisCommand &cmd)
{
    return d->run(cmd);
}

Expected<std::vector<RedisReply>> RedisConnection::pipeline(const std::vector<RedisCommand> &cmds)
{
    if (cmds.empty())
        return std::vector<RedisReply>{};
    return d->runAll(cmds.data(), cmds.size());
}

bool RedisConnection::isConnected() const
{
    return d && d->ctx && d->ctx->err == 0;
}

Expected<void> RedisConnection::reconnect()
{
    return d->connect();
}

void RedisConnection::close()
{
    if (d)
        d->ctx.reset();
}

const RedisUrl &RedisConnection::url() const
{
    return d->url;
}

} // namespace txpulse
