#include "kafka/kafka_handles.h"

#include <charconv>

namespace txpulse::kafka {

bool isRetriable(rd_kafka_resp_err_t err)
{
    switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR__WAIT_CACHE:
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__NODE_UPDATE:
    case RD_KAFKA_RESP_ERR__OUTDATED:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR_FETCH_SESSION_ID_NOT_FOUND:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_PREFERRED_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
        return true;
    default:
        return false;
    }
}

Error toError(rd_kafka_resp_err_t err, const QString &context)
{
    // rd_kafka_err2name gives "_TRANSPORT" for local errors and "MSG_TOO_LARGE" for broker ones.
    QString name = QString::fromLatin1(rd_kafka_err2name(err)).toLower();
    while (name.startsWith(QLatin1Char('_')))
        name.remove(0, 1);
    const QString what = QString::fromUtf8(rd_kafka_err2str(err));
    return Error{QStringLiteral("kafka.") + name, context.isEmpty() ? what : context + QStringLiteral(": ") + what,
                 isRetriable(err)};
}

std::size_t formatSequence(std::uint64_t sequence, char (&out)[kSequenceDigits])
{
    return std::size_t(std::to_chars(out, out + kSequenceDigits, sequence).ptr - out);
}

std::uint64_t messageSequence(const rd_kafka_message_t *m)
{
    rd_kafka_headers_t *headers = nullptr; // owned by the message
    if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR || !headers)
        return 0;
    const void *value = nullptr;
    std::size_t size = 0;
    if (rd_kafka_header_get_last(headers, kSequenceHeader, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR || !value)
        return 0;
    const char *text = static_cast<const char *>(value);
    std::uint64_t sequence = 0;
    const auto [end, ec] = std::from_chars(text, text + size, sequence);
    return ec == std::errc() && end == text + size ? sequence : 0;
}

} // namespace txpulse::kafka
