#include "kafka/kafka_config.h"

#include "support/logging.h"
#include "support/stats.h"

#include <QSysInfo>

namespace txpulse::kafka {

namespace {

const char *kindName(ClientKind kind)
{
    switch (kind) {
    case ClientKind::Producer: return "producer";
    case ClientKind::Consumer: return "consumer";
    case ClientKind::Admin: return "admin";
    }
    return "client";
}

// librdkafka calls this on the thread that serves the log queue (ours), never from its internal threads.
void logCallback(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    const char *name = rk ? rd_kafka_name(rk) : "rdkafka";
    // syslog levels: 0-3 emerg..err, 4 warning, 5 notice, 6 info, 7 debug. Connection failures ("FAIL") also
    // reach the error callback, which decides how loud they are; here they are informational.
    if (level <= 4 && qstrcmp(fac, "FAIL") != 0)
        qCWarning(lcKafka, "%s %s: %s", name, fac, buf);
    else if (level <= 6)
        qCInfo(lcKafka, "%s %s: %s", name, fac, buf);
    else
        qCDebug(lcKafka, "%s %s: %s", name, fac, buf);
}

Expected<void> setProperty(rd_kafka_conf_t *conf, const QString &key, const QString &value, const Config &config)
{
    char errstr[512];
    const QByteArray k = key.toUtf8();
    const QByteArray v = value.toUtf8();
    if (rd_kafka_conf_set(conf, k.constData(), v.constData(), errstr, sizeof errstr) == RD_KAFKA_CONF_OK)
        return {};
    QString why = QString::fromUtf8(errstr);
    if (isSecretSetting(key) && !value.isEmpty())
        why.replace(value, QStringLiteral("***"));
    const QString file = config.configFile.isEmpty() ? QStringLiteral("the configuration") : config.configFile;
    return Error{QStringLiteral("config.kafka"), QStringLiteral("kafka.%1 in %2: %3").arg(key, file, why), false};
}

} // namespace

Expected<ConfPtr> buildConf(const Config &config, ClientKind kind, const Properties &defaults, const Properties &forced)
{
    ConfPtr conf(rd_kafka_conf_new());
    auto set = [&](const QString &k, const QString &v) { return setProperty(conf.get(), k, v, config); };

    if (auto r = set(QStringLiteral("bootstrap.servers"), config.kafkaBrokers); !r)
        return r.error();
    const QString clientId = QStringLiteral("txpulse-%1-%2").arg(QLatin1String(kindName(kind)), QSysInfo::machineHostName());
    if (auto r = set(QStringLiteral("client.id"), clientId); !r)
        return r.error();
    for (const auto &[k, v] : defaults) {
        if (auto r = set(k, v); !r)
            return r.error();
    }
    for (auto it = config.kafkaProperties.cbegin(); it != config.kafkaProperties.cend(); ++it) {
        if (auto r = set(it.key(), it.value()); !r)
            return r.error();
    }
    for (const auto &[k, v] : forced) {
        const auto user = config.kafkaProperties.constFind(k);
        if (user != config.kafkaProperties.cend() && user.value() != v)
            qCWarning(lcKafka).noquote() << "kafka." + k << "is fixed to" << v << "for the" << kindName(kind)
                                         << "(txpulse depends on it); the configured value is ignored";
        if (auto r = set(k, v); !r)
            return r.error();
    }
    if (auto r = set(QStringLiteral("log.queue"), QStringLiteral("true")); !r)
        return r.error();
    rd_kafka_conf_set_log_cb(conf.get(), &logCallback);
    return conf;
}

void Client::serveLogs() const
{
    if (logQueue)
        rd_kafka_queue_poll_callback(logQueue.get(), 0);
}

Expected<Client> createClient(ConfPtr conf, rd_kafka_type_t type)
{
    char errstr[512];
    // rd_kafka_new takes the conf only on success.
    HandlePtr rk(rd_kafka_new(type, conf.get(), errstr, sizeof errstr));
    if (!rk)
        return Error{QStringLiteral("kafka.create"), QString::fromUtf8(errstr), false};
    conf.release();
    Client client;
    client.handle = std::move(rk);
    client.logQueue.reset(rd_kafka_queue_new(client.handle.get()));
    if (const auto err = rd_kafka_set_log_queue(client.handle.get(), client.logQueue.get()); err)
        return toError(err, QStringLiteral("setting the log queue"));
    return client;
}

bool handleClientError(rd_kafka_t *rk, int code, const char *reason, Stats *stats, QString *detail)
{
    const auto err = static_cast<rd_kafka_resp_err_t>(code);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char errstr[512];
        const auto orig = rd_kafka_fatal_error(rk, errstr, sizeof errstr);
        const QString text = QStringLiteral("%1 (%2)").arg(QString::fromUtf8(errstr), QLatin1String(rd_kafka_err2name(orig)));
        qCCritical(lcKafka).noquote() << rd_kafka_name(rk) << "fatal error:" << text;
        if (stats)
            stats->setKafkaState(ComponentState::Down);
        if (detail)
            *detail = text;
        return true;
    }
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        qCWarning(lcKafka).noquote() << rd_kafka_name(rk) << "all brokers are down:" << reason;
        if (stats) {
            const auto was = static_cast<ComponentState>(stats->kafkaState.load(std::memory_order_relaxed));
            stats->setKafkaState(was == ComponentState::Connected || was == ComponentState::Reconnecting
                                     ? ComponentState::Reconnecting
                                     : ComponentState::Down);
        }
        return false;
    }
    // Transport errors are routine (idle connections closed by the broker, a restarting broker): librdkafka
    // reconnects by itself.
    if (err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__RESOLVE)
        qCInfo(lcKafka).noquote() << rd_kafka_name(rk) << rd_kafka_err2name(err) << reason;
    else
        qCWarning(lcKafka).noquote() << rd_kafka_name(rk) << rd_kafka_err2name(err) << reason;
    if (stats && (err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR__SSL))
        stats->setKafkaState(ComponentState::Down);
    return false;
}

} // namespace txpulse::kafka
