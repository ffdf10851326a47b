#pragma once

// Private to txpulse_core's Kafka .cpp files: turns a txpulse::Config into librdkafka configuration and
// client handles whose logs come out on our own threads. Includes rdkafka.h through kafka_handles.h.

#include "support/config.h"
#include "support/error.h"
#include "kafka/kafka_handles.h"

#include <QString>
#include <QStringView>

#include <utility>
#include <vector>

namespace txpulse {
class Stats;
}

namespace txpulse::kafka {

enum class ClientKind { Producer, Consumer, Admin };

using Properties = std::vector<std::pair<QString, QString>>;

// bootstrap.servers = config.kafkaBrokers and client.id, then `defaults` (our tuning), then every
// config.kafkaProperties entry verbatim (so a real cluster can override our tuning and add SSL/SASL), then
// `forced` (what correctness depends on; a conflicting user value is overridden with a warning). Logs go to
// a queue (log.queue=true) that createClient() sets up. A rejected property is an Error naming
// `kafka.<key>` and the config file; secret values never appear in it.
Expected<ConfPtr> buildConf(const Config &config, ClientKind kind, const Properties &defaults = {},
                            const Properties &forced = {});

// A librdkafka handle plus the queue its log lines are forwarded to. The queue is declared last so it is
// destroyed first: rd_kafka_destroy() expects the application's queue references gone.
struct Client {
    HandlePtr handle;
    QueuePtr logQueue;

    // Serves pending log lines into lcKafka on the calling thread (non-blocking).
    void serveLogs() const;
};

// Takes ownership of `conf` (also on failure).
Expected<Client> createClient(ConfPtr conf, rd_kafka_type_t type);

// Shared handling of librdkafka's error callback: logs into lcKafka and drives stats->kafkaState.
// Returns true when the error is fatal for the client (RD_KAFKA_RESP_ERR__FATAL); `detail` then holds
// rd_kafka_fatal_error()'s description.
bool handleClientError(rd_kafka_t *rk, int err, const char *reason, Stats *stats, QString *detail);

} // namespace txpulse::kafka
