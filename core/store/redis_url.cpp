#include "store/redis_url.h"

#include <QUrl>
#include <QUrlQuery>

namespace txpulse {

namespace {

Error urlError(const QString &text, const QString &why)
{
    return Error{QStringLiteral("config.redis_url"),
                 QStringLiteral("redis URL '%1': %2").arg(RedisUrl::maskText(text), why), false};
}

Expected<int> parseDb(const QString &text, const QString &url)
{
    bool ok = false;
    const int db = text.toInt(&ok);
    if (!ok || db < 0)
        return urlError(url, QStringLiteral("database '%1' is not a non-negative integer").arg(text));
    return db;
}

} // namespace

QString RedisUrl::maskText(const QString &text)
{
    // Best effort for error messages about URLs that did not parse: hide whatever sits between "//" and "@",
    // and any password= query value.
    QString out = text;
    const int scheme = out.indexOf(QLatin1String("://"));
    const int at = out.lastIndexOf(QLatin1Char('@'));
    if (scheme >= 0 && at > scheme) {
        const int colon = out.indexOf(QLatin1Char(':'), scheme + 3);
        const int from = colon >= 0 && colon < at ? colon + 1 : scheme + 3;
        out.replace(from, at - from, QStringLiteral("***"));
    }
    const int pw = out.indexOf(QLatin1String("password="));
    if (pw >= 0) {
        const int end = out.indexOf(QLatin1Char('&'), pw);
        out.replace(pw + 9, (end < 0 ? out.size() : end) - pw - 9, QStringLiteral("***"));
    }
    return out;
}

Expected<RedisUrl> RedisUrl::parse(const QString &input)
{
    const QString text = input.trimmed();
    if (text.isEmpty())
        return urlError(text, QStringLiteral("empty"));
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid())
        return urlError(text, QStringLiteral("not a valid URL (%1)").arg(url.errorString()));

    RedisUrl r;
    const QString scheme = url.scheme().toLower();
    const QUrlQuery query(url);

    if (scheme == QLatin1String("rediss"))
        return urlError(text, QStringLiteral("TLS (rediss://) is not supported: hiredis 0.14 is built without SSL"));

    if (scheme == QLatin1String("redis")) {
        r.kind = Kind::Tcp;
        r.host = url.host();
        if (r.host.isEmpty())
            return urlError(text, QStringLiteral("no host (expected redis://host:port/db)"));
        r.port = url.port(6379);
        if (r.port < 1 || r.port > 65535)
            return urlError(text, QStringLiteral("port %1 is out of range 1..65535").arg(r.port));
        QString path = url.path();
        if (path.startsWith(QLatin1Char('/')))
            path.remove(0, 1);
        if (!path.isEmpty()) {
            auto db = parseDb(path, text);
            if (!db)
                return db.error();
            r.db = *db;
        }
        r.user = url.userName(QUrl::FullyDecoded);
        r.password = url.password(QUrl::FullyDecoded);
        if (!r.user.isEmpty() && r.password.isEmpty())
            return urlError(text, QStringLiteral("user '%1' has no password (expected redis://user:password@host, "
                                                 "or redis://:password@host without a user)")
                                      .arg(r.user));
        if (!query.isEmpty())
            return urlError(text, QStringLiteral("unexpected query '%1' (the database goes in the path: /db)")
                                      .arg(maskText(query.toString())));
    } else if (scheme == QLatin1String("unix")) {
        r.kind = Kind::Unix;
        if (!url.host().isEmpty())
            return urlError(text, QStringLiteral("unix URLs have no host; use three slashes: unix:///path/to.sock"));
        r.socketPath = url.path(QUrl::FullyDecoded);
        if (r.socketPath.isEmpty() || r.socketPath == QLatin1String("/"))
            return urlError(text, QStringLiteral("no socket path (expected unix:///path/to/redis.sock)"));
        for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
            if (key == QLatin1String("db")) {
                auto db = parseDb(value, text);
                if (!db)
                    return db.error();
                r.db = *db;
            } else if (key == QLatin1String("password")) {
                r.password = value;
            } else if (key == QLatin1String("user")) {
                r.user = value;
            } else {
                return urlError(text, QStringLiteral("unknown query parameter '%1' (known: db, password, user)").arg(key));
            }
        }
        if (!r.user.isEmpty() && r.password.isEmpty())
            return urlError(text, QStringLiteral("user '%1' has no password").arg(r.user));
    } else {
        return urlError(text, QStringLiteral("scheme '%1' is not redis:// or unix://").arg(url.scheme()));
    }
    return r;
}

QString RedisUrl::masked() const
{
    if (kind == Kind::Unix) {
        QString out = QStringLiteral("unix://") + socketPath;
        QStringList params;
        if (db != 0)
            params << QStringLiteral("db=%1").arg(db);
        if (!user.isEmpty())
            params << QStringLiteral("user=") + user;
        if (!password.isEmpty())
            params << QStringLiteral("password=***");
        if (!params.isEmpty())
            out += QLatin1Char('?') + params.join(QLatin1Char('&'));
        return out;
    }
    const QString auth = password.isEmpty() ? QString() : user + QStringLiteral(":***@");
    const QString h = host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    return QStringLiteral("redis://%1%2:%3/%4").arg(auth, h).arg(port).arg(db);
}

} // namespace txpulse
