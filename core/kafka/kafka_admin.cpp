#include "kafka/kafka_admin.h"

#include "kafka/kafka_config.h"
#include "kafka/kafka_handles.h"
#include "support/logging.h"

#include <QDeadlineTimer>
#include <QThread>

#include <algorithm>

namespace txpulse {

namespace kafka {

namespace {

// Runs one admin request on a private queue and waits for its result event.
template<typename Launch>
Expected<EventPtr> runAdmin(rd_kafka_t *rk, rd_kafka_admin_op_t op, int timeoutMs, Launch launch)
{
    char errstr[512];
    AdminOptionsPtr options(rd_kafka_AdminOptions_new(rk, op));
    if (rd_kafka_AdminOptions_set_request_timeout(options.get(), timeoutMs, errstr, sizeof errstr))
        return Error{QStringLiteral("kafka.invalid_arg"), QString::fromUtf8(errstr), false};
    if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS) {
        // Wait until the controller has applied the change, so the topic is usable when we return.
        if (rd_kafka_AdminOptions_set_operation_timeout(options.get(), timeoutMs, errstr, sizeof errstr))
            return Error{QStringLiteral("kafka.invalid_arg"), QString::fromUtf8(errstr), false};
    }
    QueuePtr queue(rd_kafka_queue_new(rk));
    launch(options.get(), queue.get());
    EventPtr event(rd_kafka_queue_poll(queue.get(), timeoutMs + 1000));
    if (!event)
        return toError(RD_KAFKA_RESP_ERR__TIMED_OUT, QStringLiteral("admin request"));
    if (const auto err = rd_kafka_event_error(event.get()); err)
        return toError(err, QString::fromUtf8(rd_kafka_event_error_string(event.get())));
    return event;
}

Expected<int> brokerCount(rd_kafka_t *rk, int timeoutMs)
{
    const rd_kafka_metadata_t *raw = nullptr;
    if (const auto err = rd_kafka_metadata(rk, 0, nullptr, &raw, timeoutMs); err)
        return toError(err, QStringLiteral("reading cluster metadata"));
    MetadataPtr md(raw);
    return md->broker_cnt;
}

bool topicInMetadata(rd_kafka_t *rk, const QString &topic, int timeoutMs)
{
    const rd_kafka_metadata_t *raw = nullptr;
    if (rd_kafka_metadata(rk, 1, nullptr, &raw, timeoutMs) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return false;
    MetadataPtr md(raw);
    const QByteArray name = topic.toUtf8();
    for (int i = 0; i < md->topic_cnt; ++i) {
        if (name == md->topics[i].topic)
            return md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topics[i].partition_cnt > 0;
    }
    return false;
}

Expected<bool> createOnce(rd_kafka_t *rk, const QString &topic, int partitions, int replicationFactor,
                          qint64 retentionMs, int timeoutMs, rd_kafka_resp_err_t *topicErr)
{
    char errstr[512];
    const QByteArray name = topic.toUtf8();
    NewTopicPtr newTopic(rd_kafka_NewTopic_new(name.constData(), partitions, replicationFactor, errstr, sizeof errstr));
    if (!newTopic)
        return Error{QStringLiteral("kafka.invalid_arg"), QString::fromUtf8(errstr), false};
    const QByteArray retention = QByteArray::number(retentionMs);
    if (const auto err = rd_kafka_NewTopic_set_config(newTopic.get(), "retention.ms", retention.constData()); err)
        return toError(err, QStringLiteral("retention.ms"));

    auto event = runAdmin(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeoutMs, [&](auto *options, auto *queue) {
        rd_kafka_NewTopic_t *topics[] = {newTopic.get()};
        rd_kafka_CreateTopics(rk, topics, 1, options, queue);
    });
    if (!event)
        return event.error();
    const auto *result = rd_kafka_event_CreateTopics_result(event->get());
    size_t count = 0;
    const auto **results = rd_kafka_CreateTopics_result_topics(result, &count);
    if (count != 1)
        return Error{QStringLiteral("kafka.admin"), QStringLiteral("CreateTopics returned %1 results").arg(count), true};
    const auto err = rd_kafka_topic_result_error(results[0]);
    *topicErr = err;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
        return true;
    if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        return false;
    const char *detail = rd_kafka_topic_result_error_string(results[0]);
    return toError(err, QStringLiteral("creating topic %1%2").arg(topic, detail ? QStringLiteral(" (") + QString::fromUtf8(detail) + QLatin1Char(')') : QString()));
}

} // namespace

Expected<bool> createTopic(rd_kafka_s *rk, const QString &topic, int partitions, int replicationFactor,
                           qint64 retentionMs, int timeoutMs)
{
    rd_kafka_resp_err_t topicErr = RD_KAFKA_RESP_ERR_NO_ERROR;
    auto created = createOnce(rk, topic, partitions, replicationFactor, retentionMs, timeoutMs, &topicErr);
    if (!created && replicationFactor == -1
        && (topicErr == RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR || topicErr == RD_KAFKA_RESP_ERR_INVALID_REQUEST
            || topicErr == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION)) {
        // A broker older than 2.4 does not know "-1 = default replication": use what the cluster can hold.
        auto brokers = brokerCount(rk, timeoutMs);
        if (!brokers)
            return brokers.error();
        const int rf = std::clamp(*brokers, 1, 3);
        qCInfo(lcKafka).noquote() << "broker rejected the default replication factor for" << topic << "; using" << rf;
        created = createOnce(rk, topic, partitions, rf, retentionMs, timeoutMs, &topicErr);
    }
    if (created && *created) {
        qCInfo(lcKafka).noquote() << "created topic" << topic << "partitions" << partitions << "retention.ms"
                                  << retentionMs;
        // The controller has the topic; wait (bounded) until the brokers' metadata has it too, so that callers
        // and other clients can use it as soon as we return.
        const QDeadlineTimer deadline(timeoutMs);
        while (!topicInMetadata(rk, topic, 1000) && !deadline.hasExpired())
            QThread::msleep(50);
    }
    return created;
}

Expected<TopicDescription> describeTopic(rd_kafka_s *rk, const QString &topic, int timeoutMs)
{
    TopicDescription desc;
    desc.name = topic;
    const QByteArray name = topic.toUtf8();
    {
        // all_topics=1 so that describing never auto-creates the topic.
        const rd_kafka_metadata_t *raw = nullptr;
        if (const auto err = rd_kafka_metadata(rk, 1, nullptr, &raw, timeoutMs); err)
            return toError(err, QStringLiteral("reading metadata of %1").arg(topic));
        MetadataPtr md(raw);
        const rd_kafka_metadata_topic_t *found = nullptr;
        for (int i = 0; i < md->topic_cnt; ++i) {
            if (name == md->topics[i].topic)
                found = &md->topics[i];
        }
        if (!found || found->err)
            return toError(found ? found->err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, topic);
        desc.partitions = found->partition_cnt;
        for (int i = 0; i < found->partition_cnt; ++i) {
            if (found->partitions[i].id == 0)
                desc.replicationFactor = found->partitions[i].replica_cnt;
        }
    }

    ConfigResourcePtr resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.constData()));
    auto event = runAdmin(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeoutMs, [&](auto *options, auto *queue) {
        rd_kafka_ConfigResource_t *resources[] = {resource.get()};
        rd_kafka_DescribeConfigs(rk, resources, 1, options, queue);
    });
    if (!event)
        return event.error();
    const auto *result = rd_kafka_event_DescribeConfigs_result(event->get());
    size_t count = 0;
    const auto **resources = rd_kafka_DescribeConfigs_result_resources(result, &count);
    for (size_t i = 0; i < count; ++i) {
        if (const auto err = rd_kafka_ConfigResource_error(resources[i]); err)
            return toError(err, QStringLiteral("describing configs of %1").arg(topic));
        size_t entries = 0;
        const auto **configs = rd_kafka_ConfigResource_configs(resources[i], &entries);
        for (size_t j = 0; j < entries; ++j) {
            if (qstrcmp(rd_kafka_ConfigEntry_name(configs[j]), "retention.ms") == 0) {
                const char *value = rd_kafka_ConfigEntry_value(configs[j]);
                desc.retentionMs = value ? QByteArray(value).toLongLong() : -1;
            }
        }
    }
    return desc;
}

} // namespace kafka

struct KafkaAdmin::Impl {
    Config config;
    kafka::Client client;
};

KafkaAdmin::KafkaAdmin(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
KafkaAdmin::~KafkaAdmin() = default;

Expected<std::unique_ptr<KafkaAdmin>> KafkaAdmin::create(const Config &config)
{
    auto conf = kafka::buildConf(config, kafka::ClientKind::Admin);
    if (!conf)
        return conf.error();
    auto client = kafka::createClient(std::move(*conf), RD_KAFKA_PRODUCER);
    if (!client)
        return client.error();
    auto impl = std::make_unique<Impl>();
    impl->config = config;
    impl->client = std::move(*client);
    return std::unique_ptr<KafkaAdmin>(new KafkaAdmin(std::move(impl)));
}

Expected<bool> KafkaAdmin::ensureTopic(int timeoutMs)
{
    auto r = kafka::ensureTopic(d->client.handle.get(), d->config, timeoutMs);
    d->client.serveLogs();
    return r;
}

Expected<bool> KafkaAdmin::createTopic(const QString &topic, int partitions, int replicationFactor, qint64 retentionMs,
                                       int timeoutMs)
{
    auto r = kafka::createTopic(d->client.handle.get(), topic, partitions, replicationFactor, retentionMs, timeoutMs);
    d->client.serveLogs();
    return r;
}

Expected<TopicDescription> KafkaAdmin::describeTopic(const QString &topic, int timeoutMs)
{
    auto r = kafka::describeTopic(d->client.handle.get(), topic, timeoutMs);
    d->client.serveLogs();
    return r;
}

Expected<void> KafkaAdmin::deleteTopic(const QString &topic, int timeoutMs)
{
    const QByteArray name = topic.toUtf8();
    kafka::DeleteTopicPtr del(rd_kafka_DeleteTopic_new(name.constData()));
    rd_kafka_t *rk = d->client.handle.get();
    auto event = kafka::runAdmin(rk, RD_KAFKA_ADMIN_OP_DELETETOPICS, timeoutMs, [&](auto *options, auto *queue) {
        rd_kafka_DeleteTopic_t *topics[] = {del.get()};
        rd_kafka_DeleteTopics(rk, topics, 1, options, queue);
    });
    d->client.serveLogs();
    if (!event)
        return event.error();
    size_t count = 0;
    const auto **results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event->get()), &count);
    if (count == 1 && rd_kafka_topic_result_error(results[0]))
        return kafka::toError(rd_kafka_topic_result_error(results[0]), QStringLiteral("deleting %1").arg(topic));
    return {};
}

} // namespace txpulse
