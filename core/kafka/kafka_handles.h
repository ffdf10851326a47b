#pragma once

// Private to txpulse_core's Kafka .cpp files (and the mock-cluster test): owns librdkafka's C handles.
// Never include this from a public header; rdkafka.h stays out of core's API.

#include "support/error.h"

#include <librdkafka/rdkafka.h>

#include <QString>

#include <cstdint>
#include <memory>

namespace txpulse::kafka {

// A null-safe deleter calling librdkafka's `destroy` for its handle type, so every handle is a unique_ptr
// and no path can leak or double-free. rd_kafka_t's deleter does not close a consumer: call
// rd_kafka_consumer_close() first.
template <auto destroy>
struct Deleter {
    template <typename T>
    void operator()(T *p) const
    {
        if (p)
            destroy(p);
    }
};

using HandlePtr = std::unique_ptr<rd_kafka_t, Deleter<rd_kafka_destroy>>;
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, Deleter<rd_kafka_conf_destroy>>;
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, Deleter<rd_kafka_topic_destroy>>;
using TopicPartitionListPtr =
    std::unique_ptr<rd_kafka_topic_partition_list_t, Deleter<rd_kafka_topic_partition_list_destroy>>;
using HeadersPtr = std::unique_ptr<rd_kafka_headers_t, Deleter<rd_kafka_headers_destroy>>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, Deleter<rd_kafka_message_destroy>>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, Deleter<rd_kafka_queue_destroy>>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, Deleter<rd_kafka_event_destroy>>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, Deleter<rd_kafka_metadata_destroy>>;
using AdminOptionsPtr = std::unique_ptr<rd_kafka_AdminOptions_t, Deleter<rd_kafka_AdminOptions_destroy>>;
using NewTopicPtr = std::unique_ptr<rd_kafka_NewTopic_t, Deleter<rd_kafka_NewTopic_destroy>>;
using DeleteTopicPtr = std::unique_ptr<rd_kafka_DeleteTopic_t, Deleter<rd_kafka_DeleteTopic_destroy>>;
using ErrorObjectPtr = std::unique_ptr<rd_kafka_error_t, Deleter<rd_kafka_error_destroy>>;
using ConfigResourcePtr =
    std::unique_ptr<rd_kafka_ConfigResource_t, Deleter<rd_kafka_ConfigResource_destroy>>;

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
