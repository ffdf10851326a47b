#pragma once

#include "support/config.h"
#include "support/error.h"

#include <QString>

#include <memory>

struct rd_kafka_s; // librdkafka's rd_kafka_t, declared without including rdkafka.h

namespace txpulse {

struct TopicDescription {
    QString name;
    int partitions = 0;
    int replicationFactor = 0; // of partition 0
    qint64 retentionMs = -1;   // the topic's effective retention.ms
};

// Topic management through librdkafka's admin API: create the log topic when it is missing (partitions,
// replication factor and retention.ms from Config) and describe a topic. Every call blocks for up to its
// timeout, so use it on a worker thread or in tests, never on the GUI thread. Owns its own librdkafka
// handle; destroying the object destroys it. Move-only.
class KafkaAdmin {
public:
    static Expected<std::unique_ptr<KafkaAdmin>> create(const Config &config);
    ~KafkaAdmin();
    KafkaAdmin(const KafkaAdmin &) = delete;
    KafkaAdmin &operator=(const KafkaAdmin &) = delete;

    // Creates config.kafkaTopic if missing. true: created now; false: it already existed.
    Expected<bool> ensureTopic(int timeoutMs = 10000);
    Expected<bool> createTopic(const QString &topic, int partitions, int replicationFactor, qint64 retentionMs,
                               int timeoutMs = 10000);
    Expected<TopicDescription> describeTopic(const QString &topic, int timeoutMs = 10000);
    Expected<void> deleteTopic(const QString &topic, int timeoutMs = 10000);

private:
    struct Impl;
    explicit KafkaAdmin(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

namespace kafka {
// The same operations on a handle the caller already has (the producer and the consumer use their own).
Expected<bool> createTopic(rd_kafka_s *rk, const QString &topic, int partitions, int replicationFactor,
                           qint64 retentionMs, int timeoutMs);
inline Expected<bool> ensureTopic(rd_kafka_s *rk, const Config &config, int timeoutMs)
{
    return createTopic(rk, config.kafkaTopic, config.kafkaPartitions, config.kafkaReplication,
                       config.kafkaRetentionMs, timeoutMs);
}
Expected<TopicDescription> describeTopic(rd_kafka_s *rk, const QString &topic, int timeoutMs);
} // namespace kafka

} // namespace txpulse
