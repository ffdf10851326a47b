#pragma once

#include "support/error.h"
#include "store/snapshot.h"

#include <QHostAddress>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace txpulse {

// Everything a txpulse process is told at start. Sources, lowest priority first: built-in defaults, the
// config file (--config FILE, INI; the seed's [KafkaSection]/[RedisSection]/[WebSocketSection] keys are
// understood), TXPULSE_* environment variables, the command line.
struct Config {
    QString configFile;                 // the file that was read, empty if none
    bool headless = false;
    Role role = Role::All;

    QUrl feedUrl{QStringLiteral("wss://ws.blockchain.info/inv")};
    int feedStallSeconds = 60;          // reconnect when no frame arrives for this long
    int feedPingSeconds = 30;
    QString recordFile;                 // --record: append every raw feed message here

    QString kafkaBrokers;               // empty: no Kafka (standalone)
    QString kafkaTopic = QStringLiteral("bitcointopic");
    QString kafkaGroup = QStringLiteral("txpulse-aggregator");
    int kafkaPartitions = 3;
    int kafkaReplication = -1;          // -1: the broker's default
    qint64 kafkaRetentionMs = 4LL * 3600 * 1000; // 3-hour window plus one hour of margin
    QMap<QString, QString> kafkaProperties; // kafka.* pass-through (librdkafka names), may hold secrets
    // On-disk spool of messages Kafka could not take (broker unreachable); one subdirectory per topic.
    // Empty: the application's default (QStandardPaths::AppLocalDataLocation + "/spool"); a KafkaProducer
    // given an empty dir, or a cap of 0, keeps undelivered messages in memory only.
    QString kafkaSpoolDir;
    qint64 kafkaSpoolMaxBytes = 1LL << 30;

    QString redisUrl;                   // empty: no Redis (standalone)
    QString redisPrefix = QStringLiteral("txpulse:");

    QString httpHost = QStringLiteral("127.0.0.1");
    int httpPort = 8080;                // 0: any free port; -1: API disabled
    QString httpToken;                  // required when binding anything but loopback
    QStringList httpCorsOrigins;

    int topN = 1000;                   // addresses kept in each snapshot (the API serves ?limit= up to this)
    int snapshotIntervalMs = 250;
    QString clock = QStringLiteral("wall"); // "wall", or "replay" (now = newest event time seen)

    Mode mode() const
    {
        return kafkaBrokers.isEmpty() && redisUrl.isEmpty() ? Mode::Standalone : Mode::Pipeline;
    }
    // Checks cross-field rules (pipeline needs both Kafka and Redis for role all/aggregate, ...).
    Expected<void> validate() const;
};

struct ConfigLoadResult {
    Config config;
    bool exitNow = false; // --help or --version was handled
    int exitCode = 0;
    QStringList warnings; // about the config file: secrets readable by others, values cut at ';'
};

// Parses the command line and everything it points at. Errors name the key and the file (or the flag).
// `base` is the lowest layer (the desktop's saved settings, or the built-in defaults).
Expected<ConfigLoadResult> loadConfig(const QStringList &arguments, const QMap<QString, QString> &environment,
                                      const Config &base = Config{});

// Reads one INI config file into `config`. Unknown keys are errors that name the key and the file.
// Problems that do not stop txpulse (a file holding secrets that every user may read, a value that an
// unquoted ';' cut short) are appended to `warnings`, naming the file, the line and the key, never a value.
Expected<void> applyConfigFile(const QString &path, Config &config, QStringList *warnings = nullptr);

// True for settings whose values must never reach a log: passwords, secrets, keys, tokens, OAuth and JAAS
// settings (librdkafka property names and our own keys alike).
bool isSecretSetting(QStringView key);

// Secret-safe rendering of the effective configuration (passwords and tokens masked), for logs.
QString describeConfig(const Config &config);

Expected<Role> parseRole(const QString &text);

} // namespace txpulse
