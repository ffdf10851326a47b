#include "support/config.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QSettings>

namespace txpulse {

namespace {

Error configError(const QString &message)
{
    return Error{QStringLiteral("config"), message, false};
}

QString where(const QString &key, const QString &file)
{
    return file.isEmpty() ? key : QStringLiteral("%1 in %2").arg(key, file);
}

Expected<int> toInt(const QString &text, const QString &key, const QString &file, int min, int max)
{
    bool ok = false;
    const int v = text.trimmed().toInt(&ok);
    if (!ok || v < min || v > max)
        return configError(QStringLiteral("%1: '%2' is not an integer in %3..%4")
                               .arg(where(key, file), text).arg(min).arg(max));
    return v;
}

Expected<QUrl> toFeedUrl(const QString &text, const QString &key, const QString &file)
{
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != QLatin1String("ws") && url.scheme() != QLatin1String("wss"))
        || url.host().isEmpty())
        return configError(QStringLiteral("%1: '%2' is not a ws:// or wss:// URL").arg(where(key, file), text));
    return url;
}

Expected<void> setHttp(Config &c, const QString &text, const QString &key, const QString &file)
{
    // HOST:PORT, [IPv6]:PORT, or PORT alone (host stays the default).
    const QString t = text.trimmed();
    QString host = c.httpHost;
    QString portText = t;
    const int colon = t.lastIndexOf(QLatin1Char(':'));
    if (colon >= 0) {
        host = t.left(colon);
        portText = t.mid(colon + 1);
        if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
            host = host.mid(1, host.size() - 2);
        if (host.isEmpty())
            return configError(QStringLiteral("%1: '%2' has no host before ':'").arg(where(key, file), text));
    }
    auto port = toInt(portText, key, file, 0, 65535);
    if (!port)
        return port.error();
    c.httpHost = host;
    c.httpPort = *port;
    return {};
}

Expected<void> applyKey(Config &c, const QString &section, const QString &name, const QString &value,
                        const QString &file)
{
    const QString key = section.isEmpty() ? name : section + QLatin1Char('.') + name;
    auto intKey = [&](int &field, int min, int max) -> Expected<void> {
        auto v = toInt(value, key, file, min, max);
        if (!v)
            return v.error();
        field = *v;
        return {};
    };
    auto textKey = [](QString &field, QString text) -> Expected<void> {
        field = std::move(text);
        return {};
    };
    auto feedUrlKey = [&]() -> Expected<void> {
        auto u = toFeedUrl(value, key, file);
        if (!u)
            return u.error();
        c.feedUrl = *u;
        return {};
    };

    if (section == QLatin1String("txpulse")) {
        if (name == QLatin1String("role")) {
            auto r = parseRole(value);
            if (!r)
                return configError(where(key, file) + QStringLiteral(": ") + r.error().message);
            c.role = *r;
            return {};
        }
        if (name == QLatin1String("headless")) {
            c.headless = QVariant(value).toBool();
            return {};
        }
        if (name == QLatin1String("top_n"))
            return intKey(c.topN, 1, 10000);
        if (name == QLatin1String("snapshot_interval_ms"))
            return intKey(c.snapshotIntervalMs, 50, 10000);
        if (name == QLatin1String("clock")) {
            if (value != QLatin1String("wall") && value != QLatin1String("replay"))
                return configError(where(key, file) + QStringLiteral(": must be 'wall' or 'replay'"));
            c.clock = value;
            return {};
        }
    } else if (section == QLatin1String("feed")) {
        if (name == QLatin1String("url"))
            return feedUrlKey();
        if (name == QLatin1String("stall_seconds"))
            return intKey(c.feedStallSeconds, 1, 3600);
        if (name == QLatin1String("ping_seconds"))
            return intKey(c.feedPingSeconds, 1, 3600);
        if (name == QLatin1String("record"))
            return textKey(c.recordFile, value);
    } else if (section == QLatin1String("kafka")) {
        if (name == QLatin1String("brokers"))
            return textKey(c.kafkaBrokers, value.trimmed());
        if (name == QLatin1String("topic")) {
            if (value.trimmed().isEmpty())
                return configError(where(key, file) + QStringLiteral(": must not be empty"));
            c.kafkaTopic = value.trimmed();
            return {};
        }
        if (name == QLatin1String("group"))
            return textKey(c.kafkaGroup, value.trimmed());
        if (name == QLatin1String("partitions"))
            return intKey(c.kafkaPartitions, 1, 10000);
        if (name == QLatin1String("replication_factor"))
            return intKey(c.kafkaReplication, -1, 100);
        if (name == QLatin1String("retention_ms")) {
            bool ok = false;
            const qint64 v = value.toLongLong(&ok);
            if (!ok || v < 3LL * 3600 * 1000)
                return configError(where(key, file)
                                   + QStringLiteral(": must be an integer of at least 10800000 (the 3-hour window)"));
            c.kafkaRetentionMs = v;
            return {};
        }
        if (name == QLatin1String("spool_dir"))
            return textKey(c.kafkaSpoolDir, value.trimmed());
        if (name == QLatin1String("spool_max_bytes")) {
            bool ok = false;
            const qint64 v = value.trimmed().toLongLong(&ok);
            if (!ok || v < 0)
                return configError(where(key, file)
                                   + QStringLiteral(": must be a number of bytes (0 disables the disk spool)"));
            c.kafkaSpoolMaxBytes = v;
            return {};
        }
        // Anything else in [kafka] is a librdkafka property, passed through verbatim (SASL, SSL, ...).
        c.kafkaProperties.insert(name, value);
        return {};
    } else if (section == QLatin1String("redis")) {
        if (name == QLatin1String("url"))
            return textKey(c.redisUrl, value.trimmed());
        if (name == QLatin1String("prefix"))
            return textKey(c.redisPrefix, value);
    } else if (section == QLatin1String("http")) {
        if (name == QLatin1String("host"))
            return textKey(c.httpHost, value.trimmed());
        if (name == QLatin1String("port"))
            return intKey(c.httpPort, -1, 65535);
        if (name == QLatin1String("listen"))
            return setHttp(c, value, key, file);
        if (name == QLatin1String("token"))
            return textKey(c.httpToken, value);
        if (name == QLatin1String("cors_origins")) {
            c.httpCorsOrigins = value.split(QLatin1Char(','), Qt::SkipEmptyParts);
            for (auto &o : c.httpCorsOrigins)
                o = o.trimmed();
            return {};
        }
    } else if (section == QLatin1String("KafkaSection")) {
        // The seed's format: kafka.broker0.address, kafka.broker1.address, ..., kafka.topic.name
        if (name.startsWith(QLatin1String("kafka.broker")) && name.endsWith(QLatin1String(".address"))) {
            const QString broker = value.trimmed();
            if (!broker.isEmpty())
                c.kafkaBrokers = c.kafkaBrokers.isEmpty() ? broker : c.kafkaBrokers + QLatin1Char(',') + broker;
            return {};
        }
        if (name == QLatin1String("kafka.topic.name"))
            return textKey(c.kafkaTopic, value.trimmed());
    } else if (section == QLatin1String("RedisSection")) {
        if (name == QLatin1String("redis.server.address") || name == QLatin1String("redis.server.port")) {
            // Assembled after the whole section is read (see applyConfigFile).
            return {};
        }
    } else if (section == QLatin1String("WebSocketSection")) {
        if (name == QLatin1String("websocket.url"))
            return feedUrlKey();
    }
    return configError(QStringLiteral("%1: unknown key").arg(where(key, file)));
}

} // namespace

const char *modeName(Mode m)
{
    return m == Mode::Pipeline ? "pipeline" : "standalone";
}

const char *roleName(Role r)
{
    switch (r) {
    case Role::All: return "all";
    case Role::Ingest: return "ingest";
    case Role::Aggregate: return "aggregate";
    case Role::View: return "view";
    }
    return "all";
}

Expected<Role> parseRole(const QString &text)
{
    const QString t = text.trimmed().toLower();
    if (t == QLatin1String("all"))
        return Role::All;
    if (t == QLatin1String("ingest"))
        return Role::Ingest;
    if (t == QLatin1String("aggregate"))
        return Role::Aggregate;
    if (t == QLatin1String("view"))
        return Role::View;
    return configError(QStringLiteral("'%1' is not a role (all, ingest, aggregate, view)").arg(text));
}

bool isSecretSetting(QStringView key)
{
    const QString k = key.toString().toLower();
    return k.contains(QLatin1String("password")) || k.contains(QLatin1String("secret"))
        || k.contains(QLatin1String("token")) || k.startsWith(QLatin1String("sasl.oauthbearer."))
        || k.startsWith(QLatin1String("sasl.jaas")) || k == QLatin1String("ssl.key.pem")
        || k == QLatin1String("ssl_key") || k.contains(QLatin1String("private"));
}

namespace {

// QSettings reads `key = a;b` as "a": an unquoted ';' starts a comment. A value meant to hold one (a
// password, a JAAS line) would be cut short without a word, so say where: file, line and key, not the value.
void warnAboutSemicolons(const QString &path, QStringList &warnings)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return;
    int lineNo = 0;
    while (!f.atEnd()) {
        const QByteArray line = f.readLine().trimmed();
        ++lineNo;
        if (line.isEmpty() || line.startsWith(';') || line.startsWith('#') || line.startsWith('['))
            continue;
        const qsizetype eq = line.indexOf('=');
        if (eq < 0)
            continue;
        const QByteArray value = line.mid(eq + 1).trimmed();
        bool quoted = false;
        for (qsizetype i = 0; i < value.size(); ++i) {
            const char c = value[i];
            if (c == '\\' && quoted) {
                ++i;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ';' && !quoted) {
                // "key = value ; a comment" (blank before the ';') reads as a deliberate comment.
                if (i > 0 && (value[i - 1] == ' ' || value[i - 1] == '\t'))
                    break;
                warnings << QStringLiteral("%1:%2: the value of '%3' ends at ';' (an unquoted ';' starts a "
                                           "comment in INI files); put the value in double quotes if the ';' "
                                           "and what follows belong to it")
                                .arg(path)
                                .arg(lineNo)
                                .arg(QString::fromUtf8(line.left(eq).trimmed()));
                break;
            }
        }
    }
}

} // namespace

Expected<void> applyConfigFile(const QString &path, Config &config, QStringList *warnings)
{
    const QFileInfo info(path);
    if (!info.exists())
        return configError(QStringLiteral("config file %1 does not exist").arg(path));
    if (!info.isReadable())
        return configError(QStringLiteral("config file %1 is not readable").arg(path));

    QSettings ini(path, QSettings::IniFormat);
    if (ini.status() == QSettings::FormatError)
        return configError(QStringLiteral("config file %1 is not a valid INI file").arg(path));

    QString redisHost;
    QString redisPort;
    QStringList secretKeys;
    const QStringList keys = ini.allKeys();
    for (const QString &full : keys) {
        // QSettings reports "section/key"; keys outside a section come as "key" ([General]).
        const int slash = full.indexOf(QLatin1Char('/'));
        const QString section = slash < 0 ? QString() : full.left(slash);
        const QString name = slash < 0 ? full : full.mid(slash + 1);
        const QVariant raw = ini.value(full);
        // QSettings splits unquoted values at commas into a list; join them back.
        const QString value = raw.typeId() == QMetaType::QStringList
            ? raw.toStringList().join(QLatin1Char(','))
            : raw.toString();
        const bool redisPassword = name == QLatin1String("url") && !QUrl(value.trimmed()).password().isEmpty();
        if ((isSecretSetting(name) || redisPassword) && !value.trimmed().isEmpty())
            secretKeys << QString(full).replace(QLatin1Char('/'), QLatin1Char('.'));
        if (section == QLatin1String("RedisSection")) {
            if (name == QLatin1String("redis.server.address"))
                redisHost = value.trimmed();
            else if (name == QLatin1String("redis.server.port"))
                redisPort = value.trimmed();
        }
        if (auto r = applyKey(config, section, name, value, path); !r)
            return r.error();
    }
    if (!redisHost.isEmpty()) {
        if (!redisPort.isEmpty()) {
            auto p = toInt(redisPort, QStringLiteral("RedisSection.redis.server.port"), path, 1, 65535);
            if (!p)
                return p.error();
        }
        config.redisUrl = QStringLiteral("redis://%1:%2")
                              .arg(redisHost, redisPort.isEmpty() ? QStringLiteral("6379") : redisPort);
    }
    config.configFile = path;
    if (warnings) {
        if (!secretKeys.isEmpty() && info.permissions().testFlag(QFileDevice::ReadOther))
            *warnings << QStringLiteral("config file %1 holds secrets (%2) and every user on this machine can read "
                                        "it: chmod 600 %1 (systemd's LoadCredential= hands a service a private copy, as txpulse@.service does; "
                                        "docs/deploy.md)")
                             .arg(path, secretKeys.join(QStringLiteral(", ")));
        warnAboutSemicolons(path, *warnings);
    }
    return {};
}

Expected<void> Config::validate() const
{
    const bool wantsKafka = role != Role::View;
    const bool wantsRedis = role != Role::Ingest;
    if (role == Role::All) {
        if (kafkaBrokers.isEmpty() != redisUrl.isEmpty())
            return configError(kafkaBrokers.isEmpty()
                                   ? QStringLiteral("Redis is configured but Kafka is not: pipeline mode needs both "
                                                    "(set --kafka, or remove --redis for standalone mode)")
                                   : QStringLiteral("Kafka is configured but Redis is not: pipeline mode needs both "
                                                    "(set --redis, or remove --kafka for standalone mode)"));
    } else {
        if (wantsKafka && kafkaBrokers.isEmpty())
            return configError(QStringLiteral("role %1 needs Kafka brokers (--kafka)").arg(QLatin1String(roleName(role))));
        if (wantsRedis && redisUrl.isEmpty())
            return configError(QStringLiteral("role %1 needs a Redis URL (--redis)").arg(QLatin1String(roleName(role))));
    }
    if (!redisUrl.isEmpty() && !redisUrl.startsWith(QLatin1String("redis://"))
        && !redisUrl.startsWith(QLatin1String("unix://")))
        return configError(QStringLiteral("redis URL '%1' must start with redis:// or unix://").arg(redisUrl));
    return {};
}

QString describeConfig(const Config &c)
{
    auto maskUrl = [](const QString &url) {
        QUrl u(url);
        if (!u.password().isEmpty())
            u.setPassword(QStringLiteral("***"));
        return u.toString();
    };
    QStringList parts;
    parts << QStringLiteral("mode=%1").arg(QLatin1String(modeName(c.mode())))
          << QStringLiteral("role=%1").arg(QLatin1String(roleName(c.role)))
          << QStringLiteral("feed=%1").arg(c.feedUrl.toString());
    if (!c.kafkaBrokers.isEmpty())
        parts << QStringLiteral("kafka=%1 topic=%2 group=%3").arg(c.kafkaBrokers, c.kafkaTopic, c.kafkaGroup);
    for (auto it = c.kafkaProperties.cbegin(); it != c.kafkaProperties.cend(); ++it) {
        const bool secret = isSecretSetting(it.key()) || it.key().contains(QLatin1String("key"));
        parts << QStringLiteral("kafka.%1=%2").arg(it.key(), secret ? QStringLiteral("***") : it.value());
    }
    if (!c.redisUrl.isEmpty())
        parts << QStringLiteral("redis=%1").arg(maskUrl(c.redisUrl));
    parts << QStringLiteral("http=%1:%2%3")
                 .arg(c.httpHost)
                 .arg(c.httpPort)
                 .arg(c.httpToken.isEmpty() ? QString() : QStringLiteral(" (token set)"));
    return parts.join(QLatin1Char(' '));
}

Expected<ConfigLoadResult> loadConfig(const QStringList &arguments, const QMap<QString, QString> &env,
                                      const Config &base)
{
    ConfigLoadResult result;
    result.config = base;
    Config &c = result.config;

    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Live Bitcoin mempool transactions to Kafka and Redis, as charts and a local REST API."));
    const QCommandLineOption help = p.addHelpOption();
    const QCommandLineOption version = p.addVersionOption();
    const QCommandLineOption headless(QStringLiteral("headless"), QStringLiteral("Run without a window (service mode)."));
    const QCommandLineOption config(QStringLiteral("config"), QStringLiteral("Read settings from an INI file."),
                                    QStringLiteral("FILE"));
    const QCommandLineOption feed(QStringLiteral("feed"), QStringLiteral("Feed WebSocket URL."), QStringLiteral("URL"));
    const QCommandLineOption kafka(QStringLiteral("kafka"), QStringLiteral("Kafka bootstrap brokers (host:port,...)."),
                                   QStringLiteral("BROKERS"));
    const QCommandLineOption topic(QStringLiteral("topic"), QStringLiteral("Kafka topic (default bitcointopic)."),
                                   QStringLiteral("NAME"));
    const QCommandLineOption group(QStringLiteral("group"), QStringLiteral("Kafka consumer group."),
                                   QStringLiteral("NAME"));
    const QCommandLineOption redis(QStringLiteral("redis"),
                                   QStringLiteral("Redis URL: redis://[:password@]host:port/db or unix:///path."),
                                   QStringLiteral("URL"));
    const QCommandLineOption http(QStringLiteral("http"),
                                  QStringLiteral("REST API address HOST:PORT (default 127.0.0.1:8080; port 0 picks one)."),
                                  QStringLiteral("HOST:PORT"));
    const QCommandLineOption noHttp(QStringLiteral("no-http"), QStringLiteral("Do not serve the REST API."));
    const QCommandLineOption role(QStringLiteral("role"), QStringLiteral("all, ingest, aggregate or view."),
                                  QStringLiteral("ROLE"));
    const QCommandLineOption record(QStringLiteral("record"),
                                    QStringLiteral("Append every raw feed message to FILE (NDJSON)."),
                                    QStringLiteral("FILE"));
    const QCommandLineOption clock(QStringLiteral("clock"),
                                   QStringLiteral("wall (default) or replay: windows follow the newest event time."),
                                   QStringLiteral("KIND"));
    for (const auto *o : {&headless, &config, &feed, &kafka, &topic, &group, &redis, &http, &noHttp, &role, &record, &clock})
        p.addOption(*o);

    if (!p.parse(arguments))
        return configError(p.errorText());
    if (p.isSet(help)) {
        result.exitNow = true;
        std::fputs(qPrintable(p.helpText()), stdout);
        return result;
    }
    if (p.isSet(version)) {
        result.exitNow = true;
        std::printf("%s %s\n", qPrintable(QCoreApplication::applicationName()), TXPULSE_VERSION);
        return result;
    }
    if (!p.positionalArguments().isEmpty())
        return configError(QStringLiteral("unexpected argument '%1' (see --help)").arg(p.positionalArguments().first()));

    // 1. config file
    const QString file = p.isSet(config) ? p.value(config) : env.value(QStringLiteral("TXPULSE_CONFIG"));
    if (!file.isEmpty())
        if (auto r = applyConfigFile(file, c, &result.warnings); !r)
            return r.error();

    // 2. environment, then 3. command line: same setters, the flag names the source.
    struct Source {
        QString envName;
        const QCommandLineOption *option;
    };
    auto valueOf = [&](const Source &s, QString *origin) -> std::optional<QString> {
        if (s.option && p.isSet(*s.option)) {
            *origin = QStringLiteral("--") + s.option->names().first();
            return p.value(*s.option);
        }
        if (!s.envName.isEmpty() && env.contains(s.envName)) {
            *origin = s.envName;
            return env.value(s.envName);
        }
        return std::nullopt;
    };
    QString origin;
    if (auto v = valueOf({QStringLiteral("TXPULSE_FEED"), &feed}, &origin)) {
        auto u = toFeedUrl(*v, origin, {});
        if (!u)
            return u.error();
        c.feedUrl = *u;
    }
    if (auto v = valueOf({QStringLiteral("TXPULSE_KAFKA"), &kafka}, &origin))
        c.kafkaBrokers = v->trimmed();
    if (auto v = valueOf({QStringLiteral("TXPULSE_TOPIC"), &topic}, &origin)) {
        if (v->trimmed().isEmpty())
            return configError(origin + QStringLiteral(": topic must not be empty"));
        c.kafkaTopic = v->trimmed();
    }
    if (auto v = valueOf({QStringLiteral("TXPULSE_GROUP"), &group}, &origin))
        c.kafkaGroup = v->trimmed();
    if (auto v = valueOf({QStringLiteral("TXPULSE_REDIS"), &redis}, &origin))
        c.redisUrl = v->trimmed();
    if (auto v = valueOf({QStringLiteral("TXPULSE_HTTP"), &http}, &origin))
        if (auto r = setHttp(c, *v, origin, {}); !r)
            return r.error();
    if (p.isSet(noHttp))
        c.httpPort = -1;
    if (auto v = valueOf({QStringLiteral("TXPULSE_HTTP_TOKEN"), nullptr}, &origin))
        c.httpToken = *v;
    if (auto v = valueOf({QStringLiteral("TXPULSE_ROLE"), &role}, &origin)) {
        auto r = parseRole(*v);
        if (!r)
            return configError(origin + QStringLiteral(": ") + r.error().message);
        c.role = *r;
    }
    if (auto v = valueOf({QString(), &record}, &origin))
        c.recordFile = *v;
    if (auto v = valueOf({QStringLiteral("TXPULSE_CLOCK"), &clock}, &origin)) {
        if (*v != QLatin1String("wall") && *v != QLatin1String("replay"))
            return configError(origin + QStringLiteral(": must be 'wall' or 'replay'"));
        c.clock = *v;
    }
    if (p.isSet(headless))
        c.headless = true;

    if (auto r = c.validate(); !r)
        return r.error();
    return result;
}

} // namespace txpulse
