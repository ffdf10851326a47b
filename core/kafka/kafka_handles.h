#pragma once

// Private to txpulse_core's Kafka .cpp files (and the mock-cluster test): owns librdkafka's C handles.
// Never include this from a public header; rdkafka.h stays out of core's API.

#include "support/error.h"

#include <librdkafka/rdkafka.h>

#include <QString>

#include <cstdint>
#include <memory>

namespace txpulse::kafka {

// Null-safe deleters, one per handle type, so every handle is a unique_ptr and no path can leak or
// double-free. rd_kafka_t's deleter does not close a consumer: call rd_kafka_consumer_close() first.
struct HandleDeleter {
    void operator()(rd_kafka_t *p) const { if (p) rd_kafka_destroy(p); }
};
struct ConfDeleter {
    void operator()(rd_kafka_conf_t *p) const { if (p) rd_kafka_conf_destroy(p); }
};
struct TopicDeleter {
    void operator()(rd_kafka_topic_t *p) const { if (p) rd_kafka_topic_destroy(p); }
};
struct TopicPartitionListDeleter {
    void operator()(rd_kafka_topic_partition_list_t *p) const { if (p) rd_kafka_topic_partition_list_destroy(p); }
};
struct HeadersDeleter {
    void operator()(rd_kafka_headers_t *p) const { if (p) rd_kafka_headers_destroy(p); }
};
struct MessageDeleter {
    void operator()(rd_kafka_message_t *p) const { if (p) rd_kafka_message_destroy(p); }
};
struct QueueDeleter {
    void operator()(rd_kafka_queue_t *p) const { if (p) rd_kafka_queue_destroy(p); }
};
struct EventDeleter {
    void operator()(rd_kafka_event_t *p) const { if (p) rd_kafka_event_destroy(p); }
};
struct MetadataDeleter {
    void operator()(const rd_kafka_metadata_t *p) const { if (p) rd_kafka_metadata_destroy(p); }
};
struct AdminOptionsDeleter {
    void operator()(rd_kafka_AdminOptions_t *p) const { if (p) rd_kafka_AdminOptions_destroy(p); }
};
struct NewTopicDeleter {
    void operator()(rd_kafka_NewTopic_t *p) const { if (p) rd_kafka_NewTopic_destroy(p); }
};
struct DeleteTopicDeleter {
    void operator()(rd_kafka_DeleteTopic_t *p) const { if (p) rd_kafka_DeleteTopic_destroy(p); }
};
struct ErrorObjectDeleter {
    void operator()(rd_kafka_error_t *p) const { if (p) rd_kafka_error_destroy(p); }
};
struct ConfigResourceDeleter {
    void operator()(rd_kafka_ConfigResource_t *p) const { if (p) rd_kafka_ConfigResource_destroy(p); }
};

using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;
using TopicPartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, TopicPartitionListDeleter>;
using HeadersPtr = std::unique_ptr<rd_kafka_headers_t, HeadersDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;
using AdminOptionsPtr = std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter>;
using NewTopicPtr = std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter>;
using DeleteTopicPtr = std::unique_ptr<rd_kafka_DeleteTopic_t, DeleteTopicDeleter>;
using ErrorObjectPtr = std::unique_ptr<rd_kafka_error_t, ErrorObjectDeleter>;
using ConfigResourcePtr = std::unique_ptr<rd_kafka_ConfigResource_t, ConfigResourceDeleter>;

// The one translation of librdkafka's error codes into txpulse::Error: code "kafka.<name>" (e.g.
// "kafka.transport", "kafka.msg_timed_out", "kafka.topic_already_exists"), librdkafka's description plus
// `context` as the message, and whether trying again later can succeed.
Error toError(rd_kafka_resp_err_t err, const QString &context = {});
bool isRetriable(rd_kafka_resp_err_t err);

// The header "seq": Transaction::sequence in decimal ASCII, so any client reads it (kcat -f '%h' shows seq=42).
// KafkaProducer writes it, KafkaConsumer reads it.
inline constexpr const char *kSequenceHeader = "seq";
inline constexpr std::size_t kSequenceDigits = 20; // the most a uint64 has
std::size_t formatSequence(std::uint64_t sequence, char (&out)[kSequenceDigits]); // returns the length
// The "seq" header of a consumed message; 0 when it has none or it is not a decimal number (written by another
// producer or an older release).
std::uint64_t messageSequence(const rd_kafka_message_t *m);

} // namespace txpulse::kafka
