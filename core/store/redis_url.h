#pragma once

#include "support/error.h"

#include <QString>

namespace txpulse {

// Where and how to reach Redis, parsed from a URL:
//   redis://[[user]:password@]host[:port][/db]   (port 6379 and db 0 by default; user needs Redis 6 ACLs)
//   unix:///path/to/redis.sock[?db=N][&password=P][&user=U]
// A plain value; `masked()` is the only rendering meant for logs (it never shows the password).
struct RedisUrl {
    enum class Kind { Tcp, Unix };

    Kind kind = Kind::Tcp;
    QString host;       // Tcp: name or address (IPv6 without brackets)
    int port = 6379;    // Tcp
    QString socketPath; // Unix
    int db = 0;
    QString user;       // empty: AUTH with the password only (or no AUTH at all)
    QString password;   // empty: no AUTH

    // Errors name the part of the URL that is wrong ("redis URL 'redis://h:x': port 'x' is not ...").
    static Expected<RedisUrl> parse(const QString &text);

    // "redis://:***@host:6379/0", "redis://user:***@host:6379/2", "unix:///run/redis.sock?db=1".
    QString masked() const;

    // Masks credentials in any text that looks like a Redis URL, even one that does not parse.
    static QString maskText(const QString &text);
};

} // namespace txpulse
